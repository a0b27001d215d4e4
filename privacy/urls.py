"""/privacy/ (clinic/urls.py): the privacy notice, which states what the other apps keep and for how long."""

from django.urls import path

from privacy.views import PrivacyView

urlpatterns = [path("", PrivacyView.as_view(), name="privacy")]
