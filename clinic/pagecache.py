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
- Form values that must differ per visitor are placeholders in the stored page,
  filled in on every request (the first visitor's included). The page renders
  them itself: while a page is rendered to be stored, `{% csrf_token %}`
  renders a placeholder (the `csrf_placeholder` context processor), filled with
  `django.middleware.csrf.get_token()` (which also has the CSRF cookie set as
  on any rendered page); a view declares its other per-visitor fields with
  `@page_cache(fresh={"field": function})` and gives `fresh_fields(request)` to
  its form as initial values, filled with `function()` for each visitor.
- Invalidation works across processes and servers: every stored page records
  the content version it was rendered under, a number kept in the same cache
  and bumped whenever public content changes. Each app registers its own models
  with `invalidate_on_change` in its AppConfig.ready(). Pages also expire with
  the day (dates and review notices on them), with a new release (`release()`),
  and after PAGE_CACHE_SECONDS. With the default local-memory cache each
  process has its own version, so set REDIS_URL when more than one process
  serves the site.
- Only query strings made of the parameters a page reads are stored
  (normalised); others are served freshly rendered (`page_cache(query=…)`).
- Browsers revalidate with If-None-Match and get 304 Not Modified while
  nothing changed. The ETag includes the visitor's CSRF cookie, so the copy a
  browser keeps always carries a token that is valid for it; a response that
  gives the visitor their first CSRF cookie has no ETag (the cookie is made by
  Django on the way out). There is no Last-Modified: a date cannot say "valid
  for this visitor's token".
- If the cache cannot be reached, pages are rendered as if uncached (a warning
  is logged at most once a minute); nothing fails.
"""

import hashlib
import logging
import secrets
import time
from collections import OrderedDict
from functools import wraps
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.html import escape
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:content-version"
KEY_PREFIX = "pagecache:page:"
CSRF_SLOT = "csrf"
# Cookies that mean the page may show something for this visitor only.
MESSAGES_COOKIE = "messages"
# Headers that belong to one response, not to the stored page.
UNSTORED_HEADERS = {"content-length", "date", "etag"}
# Request headers that can make a stored page's answer a 304 or 412 (there is no Last-Modified).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH")
CACHE_CONTROL = "private, no-cache"
OUTAGE_LOG_INTERVAL = 60


# --- Views opt in ---------------------------------------------------------------


def page_cache(view=None, *, conditional=True, query=(), fresh=None):
    """Mark a view's responses as the same for every anonymous visitor (apart
    from the per-visitor form values, which are refilled), so they may be cached.

    `query` names the query-string parameters the page reads (its filters, `t`,
    `q`, `comments_page`). A page is stored only when every parameter of the
    request is one of them, under its normalised query string (parameters in
    name order, each one's values in the order sent, one encoding), so
    `?b=2&a=1` and `?a=1&b=2` share one entry. Any other parameter (`utm_…`,
    `fbclid`, junk) gets the page rendered and served, never stored: junk query
    strings cannot fill the cache.

    `fresh` maps the page's per-visitor hidden form fields to the module-level
    function that makes a value for one visitor (a string, HTML-escaped when
    filled in), e.g. `{"shown_at": sign_form_time}`. The view passes
    `fresh_fields(request)` to the form as initial values. Raises
    ImproperlyConfigured for a function that cannot be imported by its name.

    `conditional=False` for pages whose form must never be reused from the
    browser's own cache (a one-time key): no ETag, so never a 304.
    For class-based views: `@method_decorator(page_cache(query=("q",)), name="get")`.
    """
    parameters = frozenset(query)
    makers = {name: _importable_name(maker) for name, maker in (fresh or {}).items()}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            rendering = getattr(request, "page_cache_rendering", None)
            if rendering is not None:
                rendering.fresh = makers
            response = view(request, *args, **kwargs)
            response.page_cache_conditional = conditional
            response.page_cache_query = parameters
            return response

        return wrapped

    return decorator(view) if view is not None else decorator


def fresh_fields(request):
    """Initial values for the per-visitor fields the view declared with
    `@page_cache(fresh=…)`: {field name: placeholder} while the page is rendered
    to be stored (each visitor gets a value of their own filled in), else {}
    (the form makes its own values)."""
    rendering = getattr(request, "page_cache_rendering", None)
    if rendering is None or rendering.fresh is None:
        return {}
    return {name: rendering.placeholder(maker) for name, maker in rendering.fresh.items()}


def csrf_placeholder(request):
    """Context processor (after Django's own csrf one): while a `@page_cache` page
    is rendered to be stored, `{% csrf_token %}` renders a placeholder that is
    filled with get_token() for each visitor."""
    rendering = getattr(request, "page_cache_rendering", None)
    if rendering is None or rendering.fresh is None:
        return {}
    return {"csrf_token": rendering.placeholder(CSRF_SLOT)}


def _importable_name(function):
    name = f"{function.__module__}.{function.__qualname__}"
    try:
        found = import_string(name)
    except ImportError:
        found = None
    if found is not function:
        raise ImproperlyConfigured(f"page_cache(fresh=…) needs module-level functions; {function!r} is not one.")
    return name


class Rendering:
    """One rendering of a page that may be stored: the placeholders it put in
    the page. A placeholder is `pagecache-<random>-<n>~` (letters, digits and
    dashes: HTML escaping leaves it alone), different for every rendering, so
    no text of the page can pass for one."""

    def __init__(self):
        self.prefix = f"pagecache-{secrets.token_hex(8)}-"
        self.fresh = None  # {field name: maker's name} once a @page_cache view runs
        self.slots = []  # what placeholder n stands for: CSRF_SLOT or a maker's name

    def placeholder(self, slot):
        if slot not in self.slots:
            self.slots.append(slot)
        return f"{self.prefix}{self.slots.index(slot)}~"

    def split(self, content):
        """`content` as [text, slot, text, slot, …, text]."""
        if not self.slots:
            return [content]
        chunks = content.split(self.prefix.encode())
        parts = [chunks[0]]
        for chunk in chunks[1:]:
            index, _tilde, text = chunk.partition(b"~")
            parts += [self.slots[int(index)], text]
        return parts


# --- Invalidation -----------------------------------------------------------------


def page_cache_backend():
    return caches[settings.PAGE_CACHE_ALIAS]


def bump_content_version():
    """Make every stored page stale, in every process that shares the cache (in
    this one at once, in others within PAGE_CACHE_VERSION_SECONDS)."""
    _version_seen.clear()
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
    (admin edits, services, commands alike), including their many-to-many
    links. `unless(instance, created)` may skip saves that change nothing
    public, such as a comment held for moderation.

    Each app calls this for its own models in its AppConfig.ready(). A model
    registered twice keeps its first registration (one receiver per model)."""

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
        rendering = None
        if version is not None:
            rendering = request.page_cache_rendering = Rendering()
        response = self.get_response(request)
        if rendering is None:
            return response
        if request.method == "GET" and is_storable(request, response):
            _cache_headers(response)
            entry = _entry(response, version, rendering.split(response.content))
            _store(key, entry)
            return _finish(request, response, entry)
        if rendering.slots and not response.streaming:  # a page not stored after all (a 404, junk parameters)
            _set_content(response, _filled(request, rendering.split(response.content)))
        return response


def cache_key(url):
    """The cache key of the page at `url` in this release."""
    return KEY_PREFIX + hashlib.sha256(f"{release()} {url}".encode()).hexdigest()


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

    The version comes from the shared cache, read again at most every
    PAGE_CACHE_VERSION_SECONDS (a change made in this process drops it at once).
    The page itself usually comes from this process's own copy of the pages it
    served last, if that copy is of the current version.
    """
    cache = page_cache_backend()
    try:
        version = _current_version(cache)
        if version is None:
            return None, None
        validity = (version, timezone.localdate().isoformat())
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


# The content version this process read last: (cache alias, version, when to read it again).
_version_seen = {}


def _current_version(cache):
    alias, now = settings.PAGE_CACHE_ALIAS, time.monotonic()
    seen = _version_seen.get(alias)
    if seen is not None and seen[1] > now:
        return seen[0]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        version = cache.get(VERSION_KEY)
        if version is None:  # unreachable (django-redis reads an error as a miss)
            return None
        return version  # a new series: nothing stored under it yet
    _version_seen[alias] = (version, now + settings.PAGE_CACHE_VERSION_SECONDS)
    return version


def forget_local_copies():
    """Drop this process's copies of pages and of the content version (tests, after
    emptying the cache)."""
    _version_seen.clear()
    _recent.clear()


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


def _entry(response, version, parts):
    """What is stored: (validity, status, headers, parts, conditional, digest).

    `parts` alternates text and slots: [text, slot, text, slot, …, text].
    """
    headers = [(name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS]
    validity = (version, timezone.localdate().isoformat())
    # What the page says (not the version it was stored under): a page that an
    # edit elsewhere did not change keeps its ETag. The day is in it so that a
    # browser's copy, and its comment form's signed time, is never reused for long.
    digest = hashlib.sha256(repr((validity[1], headers, parts)).encode()).hexdigest()[:32]
    return (validity, response.status_code, headers, parts, response.page_cache_conditional, digest)


def _serve(request, entry):
    """The stored page for this visitor (or 304 Not Modified). Its stored headers
    already hold what _cache_headers() adds; the middleware below this one (sessions,
    CommonMiddleware's Content-Length) does not run for it."""
    _validity, status, headers, parts, conditional, digest = entry
    etag = _etag(request, parts, digest) if conditional else None
    if etag is not None and any(name in request.META for name in CONDITIONAL_HEADERS):
        stub = HttpResponse(headers=headers)
        stub["ETag"] = etag
        not_modified = get_conditional_response(request, etag=etag, response=stub)
        if not_modified is not stub:
            return not_modified
    body = _filled(request, parts)
    response = HttpResponse(body, status=status, headers=headers)
    response["Content-Length"] = len(body)
    if etag is not None:
        response["ETag"] = etag
    return response


def _finish(request, response, entry):
    """The freshly rendered page, filled in, with the headers a served copy would have."""
    _validity, _status, _headers, parts, conditional, digest = entry
    etag = _etag(request, parts, digest) if conditional else None
    _set_content(response, _filled(request, parts))
    if etag is not None:
        response["ETag"] = etag
        return get_conditional_response(request, etag=etag, response=response)
    return response


def _set_content(response, body):
    response.content = body
    if response.has_header("Content-Length"):  # set by CommonMiddleware for the placeholders' page
        response["Content-Length"] = len(body)


def _cache_headers(response):
    # Private: the page carries this visitor's CSRF token. No-cache: browsers ask again (and get a 304).
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ["Cookie"])


def _etag(request, parts, digest):
    """The page's ETag for this visitor; None when it holds a CSRF token and the
    visitor has no CSRF cookie yet (Django makes one for this response)."""
    cookie = ""
    if CSRF_SLOT in parts[1::2]:
        cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
        if not cookie:
            return None
    return '"' + hashlib.sha256(f"{digest}:{cookie}".encode()).hexdigest()[:32] + '"'


def _filled(request, parts):
    """The page's bytes with a value made for this visitor in each slot."""
    if len(parts) == 1:
        return parts[0]
    values = {}
    for slot in parts[1::2]:
        if slot not in values:
            values[slot] = get_token(request).encode() if slot == CSRF_SLOT else escape(_maker(slot)()).encode()
    return b"".join(part if index % 2 == 0 else values[part] for index, part in enumerate(parts))


_makers = {}


def _maker(name):
    maker = _makers.get(name)
    if maker is None:
        maker = _makers[name] = import_string(name)
    return maker


# --- Releases ---------------------------------------------------------------------------

_this_process = secrets.token_hex(8)


def release():
    """The release whose pages this process may serve: settings.PAGE_CACHE_RELEASE
    (RELEASE_ID or GIT_SHA, set at deploy), so that a new deploy never serves a
    page rendered by the code, templates or static files of an earlier one.

    Without it, a random id of this process: each process then serves only the
    pages it rendered itself, which is always safe (never an earlier release's
    page) at the cost of each process filling its own copies."""
    return settings.PAGE_CACHE_RELEASE or _this_process
