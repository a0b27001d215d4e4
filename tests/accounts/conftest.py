import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

PASSWORD = "correct-horse-battery-7"


@pytest.fixture
def staff_member(db):
    """Rosa, a staff member with a password and (yet) no authenticator app."""
    return get_user_model().objects.create_user("rosa", "rosa@clinic.example", PASSWORD, is_staff=True)


def sign_in_password(client, username="rosa", password=PASSWORD):
    """The first sign-in step, as the form posts it."""
    return client.post(reverse("admin:login"), {"username": username, "password": password})


def admin_opens(client):
    return client.get(reverse("admin:index")).status_code == 200
