"""Every cookie the site sets, in one list: the cookies page (/cookies/) is made from it,
and tests/test_cookies.py fails when a response sets a cookie it does not describe,
or with a lifetime other than the one it states.

Django's own cookies are described here; an app that sets a cookie of its own describes
it with `register_cookies()` in its AppConfig.ready(), next to the constants it uses, so
this module never reaches up into the apps.

All of them are strictly necessary for something the visitor asked for (a form,
a vote, signing in), so none needs consent; there are no analytics or
advertising cookies, and nothing from other sites.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Cookie:
    """One cookie: its name, why the site sets it, when, and for how long.

    `max_age` is the lifetime in seconds, or "settings.X" for a lifetime read from
    settings each time (Django's own cookies); None means it lasts until the browser
    is closed.
    """

    name: str
    purpose: str
    set_when: str
    max_age: int | str | None = None
    who: str = "Everyone"

    @property
    def max_age_seconds(self):
        """The lifetime in seconds, read where the site reads it; None: until the browser closes."""
        if isinstance(self.max_age, str):
            return getattr(settings, self.max_age.removeprefix("settings."))
        return self.max_age

    @property
    def lifetime(self):
        """The lifetime in words: "1 year", "2 weeks", "1 hour", "Until you close your browser"."""
        return describe_seconds(self.max_age_seconds)


def describe_seconds(seconds):
    if seconds is None:
        return "Until you close your browser"
    units = [("year", 365 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)]
    for unit, size in units:
        # A CSRF cookie's 52 weeks reads as a year.
        if seconds >= size * 0.95 and (seconds % size == 0 or unit == "year"):
            count = round(seconds / size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


# The apps' own cookies, by name, in the order the apps registered them.
_registered = {}


def register_cookies(*described_cookies):
    """Add an app's cookies (Cookie instances) to the list; registering a name again
    replaces its description (AppConfig.ready() may run more than once in tests)."""
    for cookie in described_cookies:
        _registered[cookie.name] = cookie


def cookies():
    """The site's cookies, in the order the cookies page lists them: Django's CSRF
    cookie, the apps' own, then messages and the staff session."""
    return [
        Cookie(
            name=settings.CSRF_COOKIE_NAME,
            purpose=(
                "Protects the forms on this site (consultation requests, comments, votes, staff sign-in) "
                "against being sent from another website in your name."
            ),
            set_when="You open a page with a form",
            max_age="settings.CSRF_COOKIE_AGE",
        ),
        *_registered.values(),
        Cookie(
            name="messages",
            purpose="Carries a one-off message to the next page, such as “Thank you for your comment”.",
            set_when="You post a comment or answer “Was this page helpful?”",
        ),
        Cookie(
            name=settings.SESSION_COOKIE_NAME,
            purpose="Keeps clinic staff signed in to the site’s administration pages.",
            set_when="A member of staff signs in",
            max_age="settings.SESSION_COOKIE_AGE",
            who="Clinic staff only",
        ),
    ]


def described(name):
    """The Cookie called `name`, or None when the list does not describe it."""
    return next((cookie for cookie in cookies() if cookie.name == name), None)
