from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from bookings.admin.diary import diary_urls
from clinic import views

handler500 = "clinic.views.server_error"

urlpatterns = [
    path("", include("treatments.urls")),
    path("consultations/", include("bookings.urls")),
    path(
        "privacy/",
        TemplateView.as_view(
            template_name="privacy.html",
            extra_context={"privacy_notice_version": settings.PRIVACY_NOTICE_VERSION},
        ),
        name="privacy",
    ),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path(settings.ADMIN_URL, include(diary_urls())),  # /admin/bookings/diary/, before admin's own URLs
    path(settings.ADMIN_URL, admin.site.urls),
]
