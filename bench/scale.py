"""`make bench BENCH_ARGS=--scale`: the staff and patient pages with years of a busy clinic.

Fills a fresh database (SQLite in a temporary folder, or DATABASE_URL) with
10 clinicians and, by default, 200,000 consultation requests over three years
with 1,000,000 status changes (bulk_create, a minute or two), then measures in
one process, through Django's test client signed in as a member of staff, the
SQL queries and the server time (the view and everything under it; no network)
of reception's diary (a day and a week), the requests list in admin and a
patient's status page. Prints medians of several requests per page.

Run as `python -m bench.scale [--requests N] [--repeats N]` with the site's
environment; `bench/run.py --scale` prepares one and calls it.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from bookings.models import (  # noqa: E402
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    REFERENCE_PREFIX,
    ClinicHours,
    ConsultationRequest,
    Status,
    StatusChange,
    WorkingHours,
)
from staff.models import Clinician  # noqa: E402
from treatments.models import Treatment  # noqa: E402

CLINICIANS = 10
YEARS = 3
BATCH = 5000
# Each request's history: submitted, reviewed, confirmed, then completed (or the like), plus one more note.
CHANGES_PER_REQUEST = 5
TARGET_MS = 150


def reference(number):
    """A unique reference for the n-th generated request ("CR-" and six letters)."""
    letters = []
    for _ in range(REFERENCE_LENGTH):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        letters.append(REFERENCE_ALPHABET[digit])
    return REFERENCE_PREFIX + "".join(letters)


def clinicians():
    """Ten clinicians who take consultations, each working five days a week."""
    existing = list(Clinician.objects.filter(takes_consultations=True))
    for n in range(len(existing), CLINICIANS):
        existing.append(
            Clinician.objects.create(name=f"Dr Scale Sample {n + 1}", role="Dermatologist", is_sample=True)
        )
    for n, person in enumerate(existing):
        if not WorkingHours.objects.filter(clinician=person).exists():
            days = [(n + offset) % 6 for offset in range(5)]  # five of the six opening days
            WorkingHours.objects.bulk_create(
                WorkingHours(clinician=person, weekday=day, starts=clock(9), ends=clock(17)) for day in days
            )
    return existing[:CLINICIANS]


def slots(people, first_day, days):
    """Every (start, clinician) of the grid, day by day, for the clinicians' working days."""
    hours = {row.weekday: row for row in ClinicHours.objects.all()}
    patterns = {(row.clinician_id, row.weekday): row for row in WorkingHours.objects.filter(clinician__in=people)}
    length = timedelta(minutes=30)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.weekday() not in hours:
            continue
        for person in people:
            pattern = patterns.get((person.pk, day.weekday()))
            if pattern is None:
                continue
            start = timezone.make_aware(datetime.combine(day, pattern.starts))
            ends = timezone.make_aware(datetime.combine(day, pattern.ends))
            while start + length <= ends:
                yield start, person
                start += length


def fill(total):
    """`total` requests over YEARS years up to two months ahead, with their history."""
    if ConsultationRequest.objects.filter(
        reference__startswith=REFERENCE_PREFIX, idempotency_key__startswith="scale-"
    ).exists():
        print("The database already holds the scale data; measuring it as it is.", flush=True)
        return
    people = clinicians()
    treatment_ids = list(Treatment.objects.bookable().values_list("pk", flat=True))
    today = timezone.localdate()
    first_day = today - timedelta(days=365 * YEARS)
    available = list(slots(people, first_day, 365 * YEARS + 60))
    rng = random.Random(15)
    # Most requests end up with a time; spread them evenly over the slots, never two in one.
    scheduled = min(int(total * 0.7), len(available))
    chosen = sorted(rng.sample(range(len(available)), scheduled))
    now = timezone.now()
    through = ConsultationRequest.treatments.through
    # Keep each request's own received time (spread over the years) rather than "now".
    ConsultationRequest._meta.get_field("created_at").auto_now_add = False
    started = time.monotonic()
    number = 0
    slot_iter = iter(chosen)
    while number < total:
        rows, links = [], []
        for _ in range(min(BATCH, total - number)):
            number += 1
            index = next(slot_iter, None)
            if index is not None:
                start, person = available[index]
                if start > now:
                    status = Status.CONFIRMED
                else:
                    status = rng.choice([Status.COMPLETED] * 8 + [Status.NO_SHOW])
            else:
                start, person = None, None
                status = rng.choice(
                    [Status.DECLINED, Status.CANCELLED, Status.CANCELLED, Status.NEW, Status.IN_REVIEW]
                )
            created = (start or now - timedelta(days=rng.randrange(365 * YEARS))) - timedelta(
                days=rng.randrange(2, 30)
            )
            rows.append(
                ConsultationRequest(
                    reference=reference(number),
                    token=f"scale-token-{number}",
                    idempotency_key=f"scale-{number}",
                    full_name=f"Scale Patient {number}",
                    email=f"patient{number}@example.com",
                    phone="+447911123456",
                    help_with="Acne scars on both cheeks.",
                    first_preferred_date=(start or created).date(),
                    isotretinoin_recent="no",
                    pregnant_or_breastfeeding="no",
                    keloid_tendency="no",
                    active_skin_infection="no",
                    consent_given_at=created,
                    privacy_notice_version="scale",
                    status=status,
                    confirmed_start=start,
                    clinician=person,
                    created_at=created,
                )
            )
        with transaction.atomic():
            made = ConsultationRequest.objects.bulk_create(rows, batch_size=1000)
            if connection.vendor != "postgresql" or any(r.pk is None for r in made):
                ids = dict(
                    ConsultationRequest.objects.filter(reference__in=[r.reference for r in rows]).values_list(
                        "reference", "pk"
                    )
                )
                for row in made:
                    row.pk = ids[row.reference]
            changes = []
            for row in made:
                links.append(through(consultationrequest_id=row.pk, treatment_id=rng.choice(treatment_ids)))
                path = [("", Status.NEW), (Status.NEW, Status.IN_REVIEW)]
                if row.confirmed_start is not None:
                    path += [(Status.IN_REVIEW, Status.CONFIRMED)]
                    if row.status != Status.CONFIRMED:
                        path += [(Status.CONFIRMED, row.status)]
                elif row.status not in {Status.NEW, Status.IN_REVIEW}:
                    path += [(Status.IN_REVIEW, row.status)]
                while len(path) < CHANGES_PER_REQUEST:
                    path.append((row.status, row.status))  # a note added later (an email resent, a call)
                for step, (before, after) in enumerate(path):
                    changes.append(
                        StatusChange(
                            consultation_id=row.pk,
                            from_status=before,
                            to_status=after,
                            at=row.created_at + timedelta(hours=step),
                            note="",
                        )
                    )
            through.objects.bulk_create(links, batch_size=2000)
            StatusChange.objects.bulk_create(changes, batch_size=5000)
        print(f"  {number:,} requests …", end="\r", flush=True)
    print(f"Filled {number:,} requests in {time.monotonic() - started:.0f}s.{' ' * 20}", flush=True)
    # As autovacuum would by morning: the planner's statistics, and the visibility map that
    # lets PostgreSQL answer from an index alone. A freshly bulk-loaded table has neither.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def staff_client():
    """A test client signed in as a superuser, with the second step (authenticator) done."""
    user, _ = get_user_model().objects.get_or_create(
        username="scale-bench", defaults={"is_staff": True, "is_superuser": True}
    )
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Bench", confirmed=True
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(repeats):
    today = timezone.localdate()
    patient = ConsultationRequest.objects.filter(status=Status.CONFIRMED).order_by("confirmed_start").first()
    staff = staff_client()
    pages = [
        ("diary, a day (10 clinicians)", staff, f"/admin/bookings/diary/?date={today:%Y-%m-%d}"),
        ("diary, a week", staff, f"/admin/bookings/diary/?date={today:%Y-%m-%d}&view=week"),
        ("requests list (admin)", staff, "/admin/bookings/consultationrequest/"),
        ("patient's status page", Client(HTTP_HOST="127.0.0.1"), patient.status_path()),
    ]
    print()
    print(f"{'page':<32}{'status':>7}{'queries':>9}{'server ms (median)':>20}{'max ms':>9}")
    results = {}
    for name, client, path in pages:
        client.get(path)  # warm the process (templates, caches)
        timings, queries, status = [], 0, 0
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - began) * 1000)
            queries, status = len(captured), response.status_code
        median = statistics.median(timings)
        results[name] = (queries, median)
        flag = "" if median <= TARGET_MS else f"   over the {TARGET_MS} ms goal"
        print(f"{name:<32}{status:>7}{queries:>9}{median:>20.1f}{max(timings):>9.1f}{flag}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--requests", type=int, default=200_000, help="consultation requests to make (default 200,000)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="measured requests per page (default 7)")
    args = parser.parse_args(argv)
    fill(args.requests)
    counts = (
        Clinician.objects.filter(takes_consultations=True).count(),
        ConsultationRequest.objects.count(),
        StatusChange.objects.count(),
    )
    print(
        f"Database: {connection.vendor}; {counts[0]} clinicians, {counts[1]:,} requests, {counts[2]:,} status changes"
    )
    measure(args.repeats)
    print(f"{time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}; in-process, no network.")


if __name__ == "__main__":
    main()
