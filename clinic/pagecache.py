"""Whole pages cached for anonymous readers, with per-visitor form values filled in.

A view opts in with `@page_cache` (condition and treatment pages, lists, search,
comparison, the consultation form). `PageCacheMiddleware` then stores its
rendered 200 response in the configured cache and serves later anonymous
GET/HEAD requests for the same URL from there, without touching the view or the
database:

- Only requests without a session or messages cookie are read from or stored
  in the cache: signed-in staff (a draft preview, an edit link) and a visitor
  about to see a confirmation message always get a freshly rendered page, and
  it is never stored. Responses that set a cookie or a session, carry their own
  Cache-Control (private pages, previews) or are not 200 are never stored.
- Form values that must differ per visitor are stored as slots and filled in
  on every hit: the CSRF token (so the CSRF cookie is set exactly as by a
  rendered page) and the hidden fields named in settings.PAGE_CACHE_FRESH_FIELDS
  (the comment form's signed time, the consultation form's one-time key).
- Invalidation works across processes and servers: every stored page records
  the content version it was rendered under, a number kept in the same cache
  and bumped whenever public content changes (`invalidate_on_change`). Pages
  also expire with the day (dates and review notices on them), with a new
  release of the code, templates or static files, and after
  PAGE_CACHE_SECONDS. With the default local-memory cache each process has its
  own version, so set REDIS_URL when more than one process serves the site.
- Only query strings made of the parameters a page reads are stored
  (normalised); others are served freshly rendered (`page_cache(query=…)`).
- Browsers revalidate with If-None-Match and get 304 Not Modified while
  nothing changed. The ETag includes the visitor's CSRF cookie, so the copy a
  browser keeps always carries a token that is valid for it. There is no
  Last-Modified: a date cannot say "valid for this visitor's token".
- If the cache cannot be reached, pages are rendered as if uncached (a warning
  is logged at most once a minute); nothing fails.
"""

import hashlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from functools import wraps
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.html import escape
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:content-version"
KEY_PREFIX = "pagecache:page:"
CSRF_FIELD = "csrfmiddlewaretoken"
# Cookies that mean the page may show something for this visitor only.
MESSAGES_COOKIE = "messages"
# Headers that belong to one response, not to the stored page.
UNSTORED_HEADERS = {"content-length", "date", "etag", "cache-control", "vary"}
CACHE_CONTROL = "private, no-cache"
OUTAGE_LOG_INTERVAL = 60


# --- Views opt in ---------------------------------------------------------------


def page_cache(view=None, *, conditional=True, query=()):
    """Mark a view's responses as the same for every anonymous visitor (apart
    from the per-visitor form values, which are refilled), so they may be cached.

    `query` names the query-string parameters the page reads (its filters, `t`,
    `q`, `comments_page`). A page is stored only when every parameter of the
    request is one of them, under its normalised query string (parameters in
    name order, each one's values in the order sent, one encoding), so
    `?b=2&a=1` and `?a=1&b=2` share one entry. Any other parameter (`utm_…`,
    `fbclid`, junk) gets the page rendered and served, never stored: junk query
    strings cannot fill the cache.

    `conditional=False` for pages whose form must never be reused from the
    browser's own cache (a one-time key): no ETag, so never a 304.
    For class-based views: `@method_decorator(page_cache(query=("q",)), name="get")`.
    """
    parameters = frozenset(query)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.page_cache_conditional = conditional
            response.page_cache_query = parameters
            return response

        return wrapped

    return decorator(view) if view is not None else decorator


# --- Invalidation -----------------------------------------------------------------


def page_cache_backend():
    return caches[settings.PAGE_CACHE_ALIAS]


def bump_content_version():
    """Make every stored page stale, in every process that shares the cache."""
    cache = page_cache_backend()
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet (or it was evicted): start a new series
            cache.set(VERSION_KEY, _new_version(), timeout=None)
    except Exception as exc:  # a cache outage must not fail an editor's save
        _log_outage(exc)


def content_changed():
    """Public content changed: bump the version now and again once the
    transaction commits.

    Now, so the next request in this process (or in a test, whose transaction
    never commits) sees the change; after commit, so a page another process
    rendered from the not-yet-committed data in between is not kept.
    """
    bump_content_version()
    transaction.on_commit(bump_content_version, robust=True)


def invalidate_on_change(*models, unless=None):
    """Bump the content version whenever a row of `models` is saved or deleted
    (admin edits, services, commands alike). `unless(instance, created)` may
    skip saves that change nothing public, such as a comment held for moderation.
    """

    def saved(sender, instance, created=False, raw=False, **kwargs):
        if raw or (unless is not None and unless(instance, created)):
            return
        content_changed()

    def deleted(sender, **kwargs):
        content_changed()

    def related(sender, action, **kwargs):
        if action.startswith("post_"):
            content_changed()

    for model in models:
        uid = f"pagecache:{model._meta.label}"
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(related, sender=field.remote_field.through, weak=False, dispatch_uid=uid)


def _new_version():
    # Never a value an older series of pages could carry, should the version key be lost.
    return time.time_ns() // 1000


# --- The middleware -----------------------------------------------------------------


class PageCacheMiddleware:
    """Serve and store `@page_cache` pages for anonymous readers (see the module docstring).

    Sits after CsrfViewMiddleware (the CSRF cookie is read before and set after
    it) and before the middleware that only matters to a rendered page
    (authentication, messages); the headers those and the security middleware
    below it add (CSP, X-Frame-Options, Permissions-Policy) are stored with the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_shared_request(request):
            return self.get_response(request)
        query = normalised_query(request)
        if query is None:
            return self.get_response(request)
        key = cache_key(f"{request.scheme}://{request.get_host()}{request.path}{query}")
        version, entry = _lookup(key)
        if entry is not None:
            return _serve(request, entry)
        response = self.get_response(request)
        if version is not None and request.method == "GET" and is_storable(request, response):
            entry = _entry(response, version)
            _store(key, entry)
            response = _finish(request, response, entry)
        return response


def cache_key(url):
    return KEY_PREFIX + hashlib.sha256(url.encode()).hexdigest()


def normalised_query(request):
    """The request's query string in one canonical form ("" when it has none,
    else "?" + parameters sorted by name, values in the order sent, encoded by
    urlencode); None when it has more parameters than Django accepts."""
    raw = request.META.get("QUERY_STRING", "")
    if not raw:
        return ""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except ValueError:
        return None
    pairs.sort(key=lambda pair: pair[0])  # stable: `t=a&t=b` keeps its order
    return "?" + urlencode(pairs) if pairs else ""


def is_shared_request(request):
    """A request whose page is the same as any anonymous visitor's."""
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def is_storable(request, response):
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    return (
        getattr(response, "page_cache_conditional", None) is not None
        and set(request.GET) <= response.page_cache_query
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
        and not (session is not None and (session.modified or not session.is_empty()))
        and not (user is not None and user.is_authenticated)
    )


def _lookup(key):
    """(content version, the stored page if it is still valid); (None, None) when
    the cache is unreachable.

    The version always comes from the shared cache. The page itself usually comes
    from this process's own copy of the pages it served last, if that copy is of
    the current version: a few bytes from Redis per request instead of the page.
    """
    cache = page_cache_backend()
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _new_version(), timeout=None)
            return cache.get(VERSION_KEY), None
        validity = (version, timezone.localdate().isoformat(), release())
        expires, entry = _recent.get(key, (0, None))
        if entry is not None and entry[0] == validity and expires > time.monotonic():
            _recent.move_to_end(key)
            return version, entry
        entry = cache.get(key)
    except Exception as exc:  # any outage: render the page uncached
        _log_outage(exc)
        return None, None
    if entry is None or entry[0] != validity:
        return version, None
    _remember(key, entry)
    return version, entry


# This process's copies of the pages it served last, most recent last: key ->
# (when the copy expires, entry). They expire as the shared cache's do.
_recent = OrderedDict()


def _remember(key, entry):
    _recent[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, entry)
    _recent.move_to_end(key)
    while len(_recent) > settings.PAGE_CACHE_LOCAL_PAGES:
        _recent.popitem(last=False)


def _store(key, entry):
    _remember(key, entry)
    try:
        page_cache_backend().set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
    except Exception as exc:
        _log_outage(exc)


_last_outage_log = 0.0


def _log_outage(exc):
    global _last_outage_log
    now = time.monotonic()
    if now - _last_outage_log >= OUTAGE_LOG_INTERVAL:
        _last_outage_log = now
        logger.warning("Page cache unavailable (%s): serving pages uncached.", exc.__class__.__name__)


# --- Stored pages ---------------------------------------------------------------------


def _slot_pattern():
    names = [CSRF_FIELD, *settings.PAGE_CACHE_FRESH_FIELDS]
    return re.compile(rb'name="(' + b"|".join(re.escape(n.encode()) for n in names) + rb')" value="([^"]*)"')


def _entry(response, version):
    """What is stored: (validity, status, headers, parts, conditional, digest).

    `parts` alternates text and slot names: [text, slot, text, slot, …, text].
    """
    body = response.content
    parts, position = [], 0
    for match in _slot_pattern().finditer(body):
        parts += [body[position : match.start(2)], match.group(1).decode()]
        position = match.end(2)
    parts.append(body[position:])
    headers = [(name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS]
    validity = (version, timezone.localdate().isoformat(), release())
    # What the page says (not the version it was stored under): a page that an
    # edit elsewhere did not change keeps its ETag. The day is in it so that a
    # browser's copy, and its comment form's signed time, is never reused for long.
    digest = hashlib.sha256(repr((validity[1], headers, parts)).encode()).hexdigest()[:32]
    return (validity, response.status_code, headers, parts, response.page_cache_conditional, digest)


def _serve(request, entry):
    _validity, status, headers, parts, conditional, digest = entry
    slots = set(parts[1::2])
    etag = None
    if conditional:
        secret = request.META.get("CSRF_COOKIE", "") if CSRF_FIELD in slots else ""
        if secret or CSRF_FIELD not in slots:
            etag = _etag(digest, secret)
            stub = HttpResponse()
            stub["ETag"] = etag
            _cache_headers(stub)
            not_modified = get_conditional_response(request, etag=etag, response=stub)
            if not_modified is not stub:
                return not_modified
    values = {slot: _fresh_value(request, slot) for slot in slots}
    response = HttpResponse(
        b"".join(part if index % 2 == 0 else values[part] for index, part in enumerate(parts)), status=status
    )
    for name, value in headers:
        response.headers[name] = value
    if conditional:
        # A new CSRF cookie, if one was made just now, changes the tag.
        response["ETag"] = etag or _etag(digest, request.META.get("CSRF_COOKIE", ""))
    _cache_headers(response)
    return response


def _finish(request, response, entry):
    """The freshly rendered page, with the headers a served copy would have."""
    _validity, _status, _headers, _parts, conditional, digest = entry
    if conditional:
        secret = request.META.get("CSRF_COOKIE", "") if CSRF_FIELD in entry[3][1::2] else ""
        response["ETag"] = _etag(digest, secret)
    _cache_headers(response)
    if conditional:
        return get_conditional_response(request, etag=response["ETag"], response=response)
    return response


def _cache_headers(response):
    # Private: the page carries this visitor's CSRF token. No-cache: browsers ask again (and get a 304).
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])


def _etag(digest, csrf_secret):
    return '"' + hashlib.sha256(f"{digest}:{csrf_secret}".encode()).hexdigest()[:32] + '"'


_fresh_makers = {}


def _fresh_value(request, slot):
    if slot == CSRF_FIELD:
        return csrf_token(request).encode()
    make = _fresh_makers.get(slot)
    if make is None:
        make = _fresh_makers[slot] = import_string(settings.PAGE_CACHE_FRESH_FIELDS[slot])
    return escape(make()).encode()


def csrf_token(request):
    """What django.middleware.csrf.get_token() returns and does (a masked token;
    the CSRF cookie set or renewed on the way out), with the randomness drawn in
    one call to the system's source rather than one per character: on a cached
    page, get_token() took a quarter of the time it takes to serve it."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _random_csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_csrf_string()
    index = CSRF_ALLOWED_CHARS.index
    size = len(CSRF_ALLOWED_CHARS)
    return mask + "".join(CSRF_ALLOWED_CHARS[(index(s) + index(m)) % size] for s, m in zip(secret, mask, strict=True))


_UNBIASED_BYTES = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def _random_csrf_string():
    """CSRF_SECRET_LENGTH characters drawn uniformly from CSRF_ALLOWED_CHARS (bytes
    that would favour some characters are dropped), as Django's get_random_string."""
    chars = []
    while len(chars) < CSRF_SECRET_LENGTH:
        chars += [
            CSRF_ALLOWED_CHARS[byte % len(CSRF_ALLOWED_CHARS)]
            for byte in secrets.token_bytes(CSRF_SECRET_LENGTH + 8)
            if byte < _UNBIASED_BYTES
        ]
    return "".join(chars[:CSRF_SECRET_LENGTH])


# --- Releases ---------------------------------------------------------------------------

_release = None


def release():
    """A digest of this release's code, templates and static file names: pages
    stored by another release (another deploy) are never served."""
    global _release
    if _release is None:
        base = Path(settings.BASE_DIR)
        roots = [base / "clinic", *(Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", []))]
        roots += [Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(base)]
        files = sorted(
            {path for root in roots for pattern in ("*.py", "*.html", "*.txt") for path in root.rglob(pattern)}
        )
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        digest = hashlib.sha256()
        for path in [*files, manifest]:
            if path.is_file():
                digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path).encode())
                digest.update(path.read_bytes())
        _release = digest.hexdigest()[:16]
    return _release
