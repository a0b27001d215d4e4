"""/contact/ (clinic/urls.py): the contact page shows the opening hours and closures bookings keeps."""

from django.urls import path

from bookings.views import ContactView

urlpatterns = [path("", ContactView.as_view(), name="contact")]
