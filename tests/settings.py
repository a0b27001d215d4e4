"""Settings for the test suite: the project's own settings with test-only defaults.

`pytest` alone works (pyproject.toml names this module): the suite needs debug
off and a secret key, which production takes from the environment and which
no developer should have to export. Each value here is only a default, so
`DATABASE_URL`, `REDIS_URL` and the rest still come from the environment
(CI's PostgreSQL pass sets them). Processes that the tests start (servers,
settings checks) inherit these defaults through the environment.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# Keys of their own in a Redis the tests may share with a running site: each test
# deletes only these (tests/conftest.py), never the whole Redis database.
os.environ.setdefault("CLINIC_CACHE_KEY_PREFIX", "clinic-test")

from clinic.settings import *  # noqa: E402, F403
