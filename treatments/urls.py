from django.urls import path

from treatments import views

app_name = "treatments"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
