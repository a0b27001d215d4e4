"""Reception's diary under the admin prefix: clinic/urls.py includes this before admin's own URLs."""

from django.contrib import admin
from django.urls import path

from bookings.admin.diary import diary_view

urlpatterns = [path("bookings/diary/", admin.site.admin_view(diary_view), name="bookings_diary")]
