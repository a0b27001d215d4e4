"""`/sitemap.xml`: every published condition and treatment page, with the date it last changed,
the clinicians' profiles and the clinic's own pages (contact and statements)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from staff.models import Clinician
from treatments.models import Condition, Treatment


class SiteURLSitemap(Sitemap):
    """Addresses on the public site (SITE_URL), as in canonical links, whatever host asked."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or super().get_protocol(protocol)

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc or super().get_domain(site)


class PageSitemap(SiteURLSitemap):
    model = None

    def items(self):
        return self.model.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, page):
        return page.updated_at


class ConditionSitemap(PageSitemap):
    model = Condition
    priority = 0.8


class TreatmentSitemap(PageSitemap):
    model = Treatment
    priority = 0.7


class ListingSitemap(SiteURLSitemap):
    """Home and the two lists: they change when a page they show changes."""

    priority = 0.5

    def items(self):
        return ["treatments:home", "treatments:condition_list", "treatments:treatment_list"]

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        if not hasattr(self, "_latest"):
            latest = [
                model.objects.published().aggregate(latest=Max("updated_at"))["latest"]
                for model in (Condition, Treatment)
            ]
            self._latest = max((value for value in latest if value is not None), default=None)
        return self._latest


class ClinicianSitemap(SiteURLSitemap):
    priority = 0.4

    def items(self):
        return Clinician.objects.only("slug").order_by("slug")


class ClinicPagesSitemap(SiteURLSitemap):
    """The clinicians list, contact and the statements a clinic publishes."""

    priority = 0.3

    def items(self):
        return ["treatments:clinician_list", "contact", "privacy", "cookies", "accessibility", "complaints"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": ListingSitemap,
    "conditions": ConditionSitemap,
    "treatments": TreatmentSitemap,
    "clinicians": ClinicianSitemap,
    "clinic": ClinicPagesSitemap,
}
