"""SQL queries per request for each GET target: cold (empty cache) and warm."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.run import PAGES  # noqa: E402
from clinic.pagecache import forget_local_copies  # noqa: E402

counts = {}
client = Client(HTTP_HOST="127.0.0.1")
for name, method, path in PAGES:
    if name == "ceiling" or method != "GET":
        continue
    cache.clear()
    forget_local_copies()  # the content version this process read before the clear
    with CaptureQueriesContext(connection) as cold:
        client.get(path)
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    counts[name] = f"{len(cold)}/{len(warm)}"
print(json.dumps(counts))
