"""Opening hours, closures, and what they mean for the dates a patient can ask for."""

from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format

OPENING_HOURS_CACHE_KEY = "bookings:opening-hours:v1"
# The furthest ahead a patient can ask for a date.
MAX_DAYS_AHEAD = 180


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ClinicHours(models.Model):
    """Opening hours for one weekday; a weekday without a row is closed."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday, unique=True)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="hours_open_before_close"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(OPENING_HOURS_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(OPENING_HOURS_CACHE_KEY)
        return result

    def clean(self):
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError({"closes": "Closing time must be after opening time."})


class Closure(models.Model):
    """A date the clinic is closed (bank holiday, training day)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return date_format(self.date) + (f" ({self.reason})" if self.reason else "")


def opening_hours():
    """The week's opening hours as display rows, cached until hours change."""
    rows = cache.get(OPENING_HOURS_CACHE_KEY)
    if rows is None:
        by_day = {hours.weekday: hours for hours in ClinicHours.objects.all()}
        rows = [
            {
                "day": label,
                "opens": by_day[day].opens if day in by_day else None,
                "closes": by_day[day].closes if day in by_day else None,
            }
            for day, label in Weekday.choices
        ]
        cache.set(OPENING_HOURS_CACHE_KEY, rows, 60 * 60)
    return rows


def closures_between(start, end):
    """Closures from `start` to `end` inclusive, for showing patients before they pick a date."""
    return list(Closure.objects.filter(date__range=(start, end)))


def closure_sentence(day, closure):
    """ "The clinic is closed on 25 December 2026 (Christmas Day)." """
    reason = f" ({closure.reason})" if closure.reason else ""
    return f"The clinic is closed on {day.day} {day:%B %Y}{reason}."


def closed_reason(day):
    """Why the clinic is closed on `day`, as a sentence, or None when it is open."""
    # One query for the usual answer (open): the weekday's hours, and whether a closure falls on the day.
    hours = ClinicHours.objects.filter(weekday=day.weekday())
    closed = hours.annotate(closure=models.Exists(Closure.objects.filter(date=day))).values_list("closure", flat=True)
    if list(closed[:1]) == [False]:
        return None
    closure = Closure.objects.filter(date=day).only("date", "reason").first()
    if closure is not None:
        return closure_sentence(day, closure)
    if not hours.exists():
        return f"The clinic is closed on {Weekday(day.weekday()).label}s."
    return None


def preferred_date_problem(day, *, today):
    """What is wrong with `day` as a date a patient would like to come in, or None."""
    if day <= today:
        return "Choose a date after today."
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if day > latest:
        return f"Choose a date within the next {MAX_DAYS_AHEAD} days (by {latest.day} {latest:%B %Y})."
    closed = closed_reason(day)
    if closed:
        return f"{closed} Please choose another date."
    return None
