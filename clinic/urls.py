from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clinic import views

handler403 = "clinic.views.permission_denied"
handler500 = "clinic.views.server_error"

urlpatterns = [
    path("", include("treatments.urls")),
    path("consultations/", include("bookings.urls")),
    path("contact/", include("bookings.contact_urls")),
    path("privacy/", include("privacy.urls")),
    path("cookies/", views.CookiesView.as_view(), name="cookies"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("complaints/", views.ComplaintsView.as_view(), name="complaints"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path(settings.ADMIN_URL, include("bookings.admin.urls")),  # /admin/bookings/diary/, before admin's own URLs
    path(settings.ADMIN_URL, admin.site.urls),
]
