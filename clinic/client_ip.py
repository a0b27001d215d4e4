"""The client's address, the one helper that rate limits (clinic/ratelimit.py) and
django-axes (AXES_CLIENT_IP_CALLABLE) both count by.

Behind reverse proxies or load balancers every request comes from a proxy's
address; each proxy appends the address it received the request from to
`X-Forwarded-For`. With DJANGO_TRUSTED_PROXIES = N (> 0) the client is the entry
the Nth proxy from the right appended: the Nth entry from the right. Entries to
its left were sent by the client and may be forged, so they are never read
(except when the header holds fewer than N entries: then the request passed
fewer proxies, all trusted, and the leftmost entry is the one the outermost of
them appended). With 0, the default, the header is ignored: a client that sends
one cannot choose the address it is counted under.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    """The client's IP address as text ("203.0.113.9", "2001:db8::1"), by the rule above.

    Falls back to REMOTE_ADDR (possibly "") when the chosen entry is not an IP
    address, so a malformed header never raises.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    chosen = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _ip(chosen) or remote


def _ip(text):
    """`text` as a normalised IP address (a port, as some proxies add, dropped), or None."""
    candidates = [text]
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        candidates.append(text[1 : text.index("]")])
    elif text.count(":") == 1:  # 203.0.113.9:443
        candidates.append(text.split(":")[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
