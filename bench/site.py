"""The site as the benchmark serves it: clinic.wsgi, plus a record of the status
each consultation submission was answered with.

wrk stops on time with up to one request per connection still in flight: the
server finishes and stores those, but wrk never counts their answers. Counting
answers here, as the server sends them, makes "answered" and "stored" comparable.
Only POSTs are recorded; every other request goes straight to the site.
"""

import os

from clinic.wsgi import application as site

ANSWERS_FILE = os.environ["BENCH_ANSWERS_FILE"]
SUBMIT_PATH = "/consultations/request/"


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST" or environ.get("PATH_INFO") != SUBMIT_PATH:
        return site(environ, start_response)

    def recording_start_response(status, headers, exc_info=None):
        with open(ANSWERS_FILE, "a") as answers:
            answers.write(status[:3] + "\n")
        return start_response(status, headers, exc_info)

    return site(environ, recording_start_response)
