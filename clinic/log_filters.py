"""Logging filters that keep what patients sent us out of the logs."""

import logging
import re

# /consultations/<reference>/<token>/...: the token is the key to a patient's request.
SECRET_LINK = re.compile(r"(/consultations/[^/\s]+/)(?!request/)[^/\s?#\"']+")


class RedactSecretLinks(logging.Filter):
    """Django logs the path of every 4xx and 5xx response ("Not Found:
    /consultations/CR-7KD2QX/<token>/invite.ics"), and whoever holds a status
    link can read the patient's request: the token is replaced by "[token]",
    and the request itself (which handlers such as error emails print) is
    left off the record."""

    def filter(self, record):
        message = record.getMessage()
        redacted = SECRET_LINK.sub(r"\1[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        request = getattr(record, "request", None)
        if request is not None and SECRET_LINK.search(getattr(request, "path", "")):
            record.request = None
        return True


class WithoutTemplateContext(logging.Filter):
    """django.template logs a failed variable lookup at DEBUG with the exception,
    whose message is the whole template context (a patient's details, their
    status link). The log line itself (variable and template) is enough."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django attaches the exception's traceback when it logs a refused request
    (a 403 for staff opening a page their role lacks, a 400 for a refused admin
    filter). Those are expected answers, not faults: the one line saying what was
    refused is enough, and tracebacks stay for the 5xx that need them."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class AsWarning(logging.Filter):
    """Django logs every SuspiciousOperation at ERROR, which pages whoever watches
    errors. A refused admin lookup (a hand-edited or stale list address) is worth a
    warning, not an alert."""

    def filter(self, record):
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True
