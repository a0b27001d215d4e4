from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("request/", views.ConsultationRequestCreateView.as_view(), name="request"),
    path("<str:reference>/<str:token>/", views.StatusView.as_view(), name="status"),
    path("<str:reference>/<str:token>/thanks/", views.ThanksView.as_view(), name="thanks"),
    path("<str:reference>/<str:token>/cancel/", views.CancelConfirmView.as_view(), name="cancel"),
    path("<str:reference>/<str:token>/change-time/", views.RescheduleView.as_view(), name="reschedule"),
    path("<str:reference>/<str:token>/next-session/", views.NextSessionView.as_view(), name="next_session"),
    path("<str:reference>/<str:token>/invite.ics", views.InviteView.as_view(), name="invite"),
]
