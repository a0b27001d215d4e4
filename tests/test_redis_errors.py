"""Redis refusing commands (out of memory, read-only) is treated like Redis being away,
everywhere the cache is used; and page-cache pressure never resets a rate limit.

Each test starts its own small redis-server on a free local port (never the shared
Redis of the machine, which must not be filled) and stops it afterwards.
"""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client, RequestFactory

from clinic import cache as resilient_cache
from clinic.ratelimit import ratelimit
from tests.factories import make_treatment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.multiprocess,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def start_redis():
    """start_redis(*options) -> the URL of a new private redis-server run with those options."""
    processes = []

    def start(*options):
        port = free_port()
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        return f"redis://127.0.0.1:{port}/0"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def no_outage_remembered():
    resilient_cache.forget_outages()
    yield
    resilient_cache.forget_outages()


def use_redis(settings, default, limits=None):
    settings.CACHES = {
        "default": resilient_cache.redis_cache(default, "t"),
        "limits": resilient_cache.redis_cache(limits or default, "l", errors_are_misses=False),
    }
    settings.PAGE_CACHE_SECONDS = 60


def fill(url):
    """Write 64 KB values until Redis answers 'out of memory'; then keep it full.

    Left alone, a Redis at its limit refuses some writes and takes others as client
    buffers come and go; lowering the limit below what it holds makes every write
    fail, as on a Redis that pages keep filling."""
    client = redis.Redis.from_url(url)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        for n in range(100_000):
            client.set(f"filler:{n}", b"x" * 65536)
    client.config_set("maxmemory", client.info("memory")["used_memory"] // 2)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("probe", 1)


@ratelimit("redis-error-test", limit=2, window_seconds=60)
def limited_view(request):
    return HttpResponse("stored")


def post():
    return limited_view(RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")).status_code


def test_a_full_redis_serves_pages_and_holds_rate_limits(settings, start_redis):
    url = start_redis("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    treatment = make_treatment(title="Microneedling", slug="microneedling")
    use_redis(settings, url)
    fill(url)

    for _ in range(3):  # the page cache and the opening hours in the footer both try to write
        response = Client().get(treatment.get_absolute_url())
        assert response.status_code == 200 and "Microneedling" in response.text
    assert caches["default"].set("opening-hours", [1, 2, 3]) is None  # skipped, not raised
    assert [post(), post(), post()] == [200, 200, 429]  # counted in the process meanwhile


def test_a_read_only_redis_is_treated_like_one_that_is_away(settings, start_redis):
    # A replica of a primary that does not exist: it answers reads, refuses every write.
    url = start_redis("--replicaof", "127.0.0.1", str(free_port()), "--replica-read-only", "yes")
    with pytest.raises(redis.exceptions.ReadOnlyError):
        redis.Redis.from_url(url).set("probe", 1)
    treatment = make_treatment(title="Microneedling", slug="microneedling")
    use_redis(settings, url)

    response = Client().get(treatment.get_absolute_url())
    assert response.status_code == 200 and "Microneedling" in response.text
    assert [post(), post(), post()] == [200, 200, 429]


def test_a_full_page_cache_evicting_pages_leaves_the_rate_limits_alone(settings, start_redis):
    # The README's set-up when the page cache may evict: its own Redis with an LRU policy,
    # the rate limits on one that never evicts (REDIS_LIMITS_URL).
    pages = start_redis("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")
    limits = start_redis("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    treatment = make_treatment(title="Microneedling", slug="microneedling")
    use_redis(settings, pages, limits)

    assert [post(), post()] == [200, 200]
    page_cache = caches["default"]
    for n in range(100):  # 6.4 MB of pages through a 2 MB cache: the oldest are evicted
        page_cache.set(f"page-{n}", b"x" * 65536)
    assert page_cache.get("page-0") is None and page_cache.get("page-99") is not None
    assert post() == 429  # the count survived
    assert Client().get(treatment.get_absolute_url()).status_code == 200
