"""Per-client rate limits kept in the shared cache.

With REDIS_URL set every app server counts in the same Redis, so a limit holds
across processes and machines. The counts are in the "limits" cache
(settings.RATE_LIMIT_CACHE_ALIAS, REDIS_LIMITS_URL), apart from the page cache,
so that pages filling or clearing the cache never reset a limit. Counting uses a fixed window per client and
scope: `cache.add` starts the window, `cache.incr` is atomic in Redis.

If the shared cache cannot be reached, the count moves to this process's own
memory until it can (and a warning is logged): the limit then holds per app
server rather than across them, so one client gets at most the limit times the
number of server processes. That is neither failing closed (refusing patients
because Redis is down: a patient asking for a consultation matters more than a
perfect limit) nor failing open (a flood of posts while Redis is down); the
other spam defences (honeypot, timing, duplicate checks) apply throughout.
"""

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render

from clinic.client_ip import client_address

logger = logging.getLogger(__name__)

# Counts kept in this process while the shared cache is unreachable.
_local_counts = LocMemCache("clinic-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def client_key(request):
    """A one-way hash of the client's address (clinic/client_ip.py, which reads
    X-Forwarded-For only as far as DJANGO_TRUSTED_PROXIES allows): no raw IP
    address is stored."""
    address = client_address(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def hit(scope, key, *, limit, window_seconds):
    """Count one request; return True while the client is within the limit."""
    if not settings.RATE_LIMITS_ENABLED:
        return True
    window = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache = caches[settings.RATE_LIMIT_CACHE_ALIAS]
    try:
        cache.add(cache_key, 0, timeout=window_seconds + 1)
        count = cache.incr(cache_key)
    except Exception:  # any cache outage: see the module docstring
        logger.warning("Rate limit for %s counted in this process only: the shared cache is unreachable", scope)
        _local_counts.add(cache_key, 0, timeout=window_seconds + 1)
        count = _local_counts.incr(cache_key)
    return count <= limit


def ratelimit(scope, *, limit, window_seconds, methods=("POST",)):
    """View decorator: over the limit, answer 429 with a clear page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and not hit(
                scope, client_key(request), limit=limit, window_seconds=window_seconds
            ):
                return too_many_attempts(request, window_seconds=window_seconds)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_attempts(request, *, window_seconds):
    """The "too many attempts" page (429, with Retry-After) for a client over a limit;
    for views that count part of their posts themselves with `hit`."""
    response = render(request, "429.html", {"retry_minutes": max(1, window_seconds // 60)}, status=429)
    response["Retry-After"] = str(window_seconds)
    return response
