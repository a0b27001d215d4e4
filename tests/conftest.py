import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (rate limits, cached fragments)."""
    cache.clear()
    yield
    cache.clear()


def staff_login(client, user):
    """Sign a staff member in to the test client the way admin requires.

    Admin tests sign in through this one helper, so a change to how staff
    sign in (a second factor, say) is made here once.
    """
    client.force_login(user)
    return client
