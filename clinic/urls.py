from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from bookings.admin.diary import diary_urls
from clinic import views

handler500 = "clinic.views.server_error"

urlpatterns = [
    path("", include("treatments.urls")),
    path("consultations/", include("bookings.urls")),
    path("contact/", views.ContactView.as_view(), name="contact"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("cookies/", views.CookiesView.as_view(), name="cookies"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("complaints/", views.ComplaintsView.as_view(), name="complaints"),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path(settings.ADMIN_URL, include(diary_urls())),  # /admin/bookings/diary/, before admin's own URLs
    path(settings.ADMIN_URL, admin.site.urls),
]
