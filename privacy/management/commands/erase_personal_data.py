from django.core.management.base import BaseCommand, CommandError

from privacy import services
from privacy.management.commands._common import add_common_arguments, checked_email, staff_member


class Command(BaseCommand):
    help = (
        "Erase what the clinic holds about an email address: anonymise its consultation requests and "
        "erase its comments. Without --yes, only says what it would do. Refused while a request is open."
    )

    def add_arguments(self, parser):
        add_common_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="Erase for good (otherwise: only say what would go).")

    def handle(self, *args, email, by, yes, **options):
        email = checked_email(email)
        if not yes:
            preview = services.erasure_preview(email)
            if preview["open_consultations"]:
                still_open = ", ".join(c.reference for c in preview["open_consultations"])
                raise CommandError(f"Cannot erase yet: {still_open} still open. Close it first (the patient is told).")
            references = ", ".join(c.reference for c in preview["consultations"]) or "none"
            self.stdout.write(
                f"Would anonymise {len(preview['consultations'])} consultation request(s) ({references}) and erase "
                f"{preview['comments']} comment(s). Run again with --yes to erase for good."
            )
            return
        try:
            record = services.erase_personal_data(email=email, by=staff_member(by), via="command")
        except services.ErasureRefused as refusal:
            raise CommandError(refusal.messages[0]) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased: {len(record.consultation_requests)} consultation request(s) anonymised "
                f"({', '.join(record.consultation_requests) or 'none'}), {len(record.comments)} comment(s) erased."
            )
        )
