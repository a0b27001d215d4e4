from django.core.management.base import BaseCommand
from django.db import transaction

from bookings import demo as bookings_demo
from treatments import demo as treatments_demo


class Command(BaseCommand):
    help = (
        "Load the demo clinic: sample clinicians, pages and opening hours. "
        "Safe to run again: it adds only what is missing."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = {**treatments_demo.load(), **bookings_demo.load()}
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo content loaded (new: {summary})."))
