from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.generic import TemplateView

from treatments import views
from treatments.sitemaps import SITEMAPS

app_name = "treatments"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("conditions/", views.ConditionListView.as_view(), name="condition_list"),
    path("conditions/<slug:slug>/", views.ConditionDetailView.as_view(), name="condition_detail"),
    path("conditions/<slug:slug>/helpful/", views.ConditionHelpfulVoteView.as_view(), name="condition_helpful"),
    path("conditions/<slug:slug>/comments/", views.ConditionCommentView.as_view(), name="condition_comments"),
    path("treatments/", views.TreatmentListView.as_view(), name="treatment_list"),
    path("treatments/compare/", views.TreatmentCompareView.as_view(), name="treatment_compare"),
    path("treatments/<slug:slug>/", views.TreatmentDetailView.as_view(), name="treatment_detail"),
    path("treatments/<slug:slug>/helpful/", views.TreatmentHelpfulVoteView.as_view(), name="treatment_helpful"),
    path("treatments/<slug:slug>/comments/", views.TreatmentCommentView.as_view(), name="treatment_comments"),
    path("clinicians/", views.ClinicianListView.as_view(), name="clinician_list"),
    path("clinicians/<slug:slug>/", views.ClinicianDetailView.as_view(), name="clinician_detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="treatments/robots.txt", content_type="text/plain; charset=utf-8"),
        name="robots",
    ),
]
