"""Where to report a vulnerability: /.well-known/security.txt (RFC 9116)."""

from datetime import datetime, timedelta

from django.utils import timezone


def test_security_txt_names_the_contact_and_a_future_expiry(client, settings):
    settings.CLINIC_SECURITY_EMAIL = "security@clinic.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:security@clinic.example"
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert timezone.now() + timedelta(days=300) < expires < timezone.now() + timedelta(days=400)
    assert fields["Canonical"] == f"{settings.SITE_URL}/.well-known/security.txt"
