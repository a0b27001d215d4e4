"""Prints the form body and cookie for the benchmark's consultation submissions.

Reads the live form once (CSRF cookie and token, the microneedling checkbox)
and finds an open date by posting probes, so the posts are exactly what a
patient's browser would send.
The idempotency key is left as IDEMPOTENCY for the load script to fill in.
"""

import json
import re
import sys
import urllib.request
from datetime import date, timedelta
from http.cookiejar import CookieJar
from urllib.parse import urlencode

base_url = sys.argv[1]
jar = CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
html = opener.open(f"{base_url}/consultations/request/?treatment=microneedling", timeout=10).read().decode()

token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
treatment = re.search(r'name="treatments" value="(\d+)"[^>]*checked', html).group(1)
csrf_cookie = next(cookie.value for cookie in jar if cookie.name == "csrftoken")

fields = {
    "csrfmiddlewaretoken": token,
    "idempotency_key": "IDEMPOTENCY",
    "source_treatment": "microneedling",
    "full_name": "Benchmark Patient",
    "email": "bench@example.com",
    "phone": "020 7946 0999",
    "contact_preference": "email",
    "treatments": treatment,
    "help_with": "Scars on both cheeks.",
    "first_preferred_date": "DAY",
    "time_of_day": "any",
    "isotretinoin_recent": "no",
    "pregnant_or_breastfeeding": "no",
    "keloid_tendency": "no",
    "active_skin_infection": "no",
    "consent": "on",
}


def accepted(day):
    probe = urllib.request.Request(
        f"{base_url}/consultations/request/",
        data=urlencode(fields).replace("IDEMPOTENCY", f"benchprobe{day:%Y%m%d}").replace("DAY", str(day)).encode(),
        headers={"Cookie": f"csrftoken={csrf_cookie}", "Referer": f"{base_url}/consultations/request/"},
    )
    return "/thanks/" in opener.open(probe, timeout=10).geturl()


# The first day from three days ahead that the clinic is open (one probe request each).
day = next((day for offset in range(3, 30) if accepted(day := date.today() + timedelta(days=offset))), None)
if day is None:
    sys.exit("The benchmark's consultation form data was refused for every date tried.")
print(json.dumps({"body": urlencode(fields).replace("DAY", str(day)), "cookie": f"csrftoken={csrf_cookie}"}))
