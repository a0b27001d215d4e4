"""`manage.py load_demo_content`: every app's demo content, each app loading its own.

An app with demo content has a `demo` module with a `load()` that adds what is
missing and returns {what: how many were created}. The command calls them in
INSTALLED_APPS order, which lists an app after the apps it builds on (the
clinicians before the bookings that give them working weeks), all in one
transaction, so this project-level command imports no app itself.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule


def demo_modules():
    """Each installed app's `demo` module that has a `load()`, in INSTALLED_APPS order."""
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "demo"):
            module = import_module(f"{app.name}.demo")
            if callable(getattr(module, "load", None)):
                yield module


class Command(BaseCommand):
    help = (
        "Load the demo clinic: sample clinicians, pages and opening hours. "
        "Safe to run again: it adds only what is missing."
    )

    def handle(self, *args, **options):
        counts = {}
        with transaction.atomic():
            for module in demo_modules():
                counts.update(module.load())
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo content loaded (new: {summary})."))
