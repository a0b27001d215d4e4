from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Conditions and treatments"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from clinic.cookies import Cookie, register_cookies
        from clinic.pagecache import invalidate_on_change
        from treatments import comment_emails, digest
        from treatments.views import VISITOR_COOKIE, VISITOR_COOKIE_AGE

        comment_emails.register_kinds()
        register_cookies(
            Cookie(
                name=VISITOR_COOKIE,
                purpose=(
                    "A random number (signed) that lets us count one answer per browser to “Was this page helpful?”. "
                    "We store only a one-way hash of it, and nothing else about you."
                ),
                set_when="You answer “Was this page helpful?”",
                max_age=VISITOR_COOKIE_AGE,
            )
        )
        digest.register_kinds()
        from treatments.models import (
            FAQ,
            Comment,
            CommentStatus,
            Condition,
            ConditionTreatment,
            ConsultationFee,
            KeyTakeaway,
            Reference,
            SearchSynonym,
            Treatment,
            delete_page_with_it,
        )
        from treatments.prices import forget_consultation_fee

        for page_model in (Condition, Treatment):
            post_delete.connect(delete_page_with_it, sender=page_model, dispatch_uid=f"delete-{page_model}-page")
        # Cached pages are rendered again after any change to what they show,
        # whether made in admin, by a service or by a command.
        invalidate_on_change(Condition, Treatment, ConditionTreatment, FAQ, KeyTakeaway, Reference, SearchSynonym)
        # A comment held for moderation (or as spam) changes no page until it is approved.
        invalidate_on_change(
            Comment, unless=lambda comment, created: created and comment.status != CommentStatus.APPROVED
        )
        # Treatment pages, the contact page and the consultation form show the consultation fee.
        invalidate_on_change(ConsultationFee)
        post_save.connect(forget_consultation_fee, sender=ConsultationFee, dispatch_uid="forget-fee-on-save")
        post_delete.connect(forget_consultation_fee, sender=ConsultationFee, dispatch_uid="forget-fee-on-delete")
