from pathlib import Path

from django.core.management.base import BaseCommand

from privacy import services
from privacy.management.commands._common import add_common_arguments, checked_email, staff_member


class Command(BaseCommand):
    help = (
        "Print (or write to --output) everything the clinic holds about an email address as JSON: "
        "consultation requests with their history and emails, and comments. The export is recorded."
    )

    def add_arguments(self, parser):
        add_common_arguments(parser)
        parser.add_argument("--output", metavar="FILE", help="Write the JSON here instead of printing it.")

    def handle(self, *args, email, by, output, **options):
        data = services.export_personal_data(email=checked_email(email), by=staff_member(by), via="command")
        text = services.as_json(data)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            found = f"{len(data['consultation_requests'])} request(s), {len(data['comments'])} comment(s)"
            self.stderr.write(f"Wrote {found} to {output}.")
        else:
            self.stdout.write(text)
