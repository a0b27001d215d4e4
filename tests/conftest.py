import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (rate limits, cached fragments)."""
    cache.clear()
    yield
    cache.clear()
