from django.views.generic import TemplateView

from treatments.models import Condition, Treatment


class HomeView(TemplateView):
    template_name = "treatments/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            conditions=Condition.objects.published().only("title", "slug", "summary"),
            featured_treatments=Treatment.objects.bookable().only("title", "slug", "summary"),
            **kwargs,
        )
