"""The shared cache (Redis through django-redis), and how the site survives losing it.

`redis_cache()` builds a CACHES entry for settings. Every error from Redis reads
as the cache being away, not only a lost connection: a full Redis under the
default `noeviction` policy answers writes with an error reply
(`OutOfMemoryError`), a replica answers `ReadOnlyError`, a Redis that hangs
times out. django-redis turns each of them into `ConnectionInterrupted`, and
then, for a cache made with `errors_are_misses=True` (the page cache and cached
fragments), answers a read with its default (a miss) and skips a write
(`IGNORE_EXCEPTIONS`). A cache made with `errors_are_misses=False` (the
rate-limit counts) raises the Redis error instead: a caller counting something
has to decide what a count it cannot read means (clinic/ratelimit.py counts in
the process's memory meanwhile).

After such an error this process leaves that Redis alone for `RETRY_SECONDS`
(`PausingConnection`): a Redis that hangs rather than refuses costs one timeout
per process every few seconds, not one per request, and a Redis that refuses
writes is not read either, so a page it still holds is never served after an
edit whose invalidation it refused. One warning is logged each time.
"""

import logging
import time
from contextlib import contextmanager

from redis.connection import Connection
from redis.exceptions import ConnectionError, OutOfMemoryError, ReadOnlyError, TimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 10
# Errors that mean "this Redis cannot serve as the cache just now" (not a wrong command).
OUTAGE_ERRORS = (ConnectionError, TimeoutError, OutOfMemoryError, ReadOnlyError, OSError)

# Per server ("host:port"): until when (time.monotonic()) this process leaves it alone.
_down_until = {}


def redis_cache(location, prefix, *, errors_are_misses=True):
    """A CACHES entry for the Redis at `location` (a redis:// URL), keys prefixed
    with `prefix`. See the module docstring for `errors_are_misses`."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": errors_are_misses,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            "CONNECTION_POOL_KWARGS": {"connection_class": PausingConnection},
        },
    }


def forget_outages():
    """Try every Redis again on the next command (tests, after a simulated outage)."""
    _down_until.clear()


class PausingConnection(Connection):
    """A redis-py connection that, once its server failed (see OUTAGE_ERRORS),
    refuses every command at once for RETRY_SECONDS with a ConnectionError,
    which django-redis handles as any other."""

    def _server(self):
        return f"{self.host}:{self.port}"

    def _check_not_paused(self):
        if _down_until.get(self._server(), 0) > time.monotonic():
            raise ConnectionError(f"Redis at {self._server()} failed recently: not tried again yet.")

    @contextmanager
    def _pausing_on_outage(self):
        try:
            yield
        except OUTAGE_ERRORS as error:
            _down_until[self._server()] = time.monotonic() + RETRY_SECONDS
            logger.warning(
                "The cache (Redis) is unreachable or refused a command (%s): serving without it for the next %s "
                "seconds",
                error.__class__.__name__,
                RETRY_SECONDS,
            )
            raise

    def connect(self, *args, **kwargs):
        self._check_not_paused()
        with self._pausing_on_outage():
            return super().connect(*args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        self._check_not_paused()
        with self._pausing_on_outage():
            return super().send_packed_command(*args, **kwargs)

    def read_response(self, *args, **kwargs):
        with self._pausing_on_outage():
            return super().read_response(*args, **kwargs)
