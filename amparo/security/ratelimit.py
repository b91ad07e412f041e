"""Rate limits on the costly and bulk routes (ASVS 2.4.1), counted in a cache, never the database.

docs/adr/0016-rate-limits.md explains the choices. In short: reading pages is never limited (on
Tor many defenders share one exit address); the API, searches, exports and the plan's PDF and
files are limited per address, exports and plan files also in total; a staff member's evidence
downloads, submission exports and uploads are limited per account, and the first refusal in a
window is audited. Counters sit under a keyed hash of the address (or account), never an
address in clear, and never in the database (an anonymous request writes no row): in the
``ratelimit`` cache of each process, or, with ``AMPARO_RATELIMIT_REDIS_URL``, in Redis, shared
by every process (docs/adr/0025). When Redis does not answer, each process counts alone again
until it does: the limits still hold, per process, and nobody is refused because of it.

Fixed windows: a counter per window of ``window`` seconds, reset when the window ends, so a
client may burst up to twice the limit across a window boundary.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from django.core.checks import CheckMessage, Warning, register
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac

from amparo.accounts.addresses import client_address
from amparo.accounts.audit import record_event
from amparo.security.views import too_many_requests

if TYPE_CHECKING:
    import redis  # imported when a URL is set: 0.13 s that the embedded mode does not pay

logger = logging.getLogger(__name__)
CACHE = "ratelimit"
REDIS_PREFIX = "amparo:"
REDIS_TIMEOUT = 0.25  # seconds to connect or answer; on loopback Redis answers in well under 1 ms
REDIS_PAUSE = 10.0  # seconds each process counts alone after Redis failed, before trying again
MINUTE, HOUR = 60, 3600
ADDRESS, ACCOUNT, EVERYONE = "address", "account", "everyone"
clock: Callable[[], float] = time.time  # tests move it forward instead of sleeping


@dataclass(frozen=True)
class Rule:
    """At most settings.AMPARO_RATELIMITS[name] requests per window, counted per ``by``."""

    name: str
    window: int
    by: str


# Each group of routes and the rules it counts against, in order; the first one over its
# limit refuses the request (and the later ones are not counted).
GROUPS: dict[str, tuple[Rule, ...]] = {
    "api": (Rule("api", MINUTE, ADDRESS),),
    "search": (Rule("search", MINUTE, ADDRESS),),
    "export": (Rule("export", MINUTE, ADDRESS), Rule("costly_total", MINUTE, EVERYONE)),
    "plan": (Rule("plan", MINUTE, ADDRESS), Rule("costly_total", MINUTE, EVERYONE)),
    "staff_download": (Rule("staff_download", HOUR, ACCOUNT),),
    "staff_upload": (Rule("staff_upload", HOUR, ACCOUNT),),
}
STAFF_ROUTES = {
    "cases:evidence_download",
    "referrals:entry_draft",
    "cases:record_new",
    "sgreports:upload",
}
EXPORTS = {"portal:export_csv", "portal:export_jsonl", "analytics:report_pdf"}
PLAN_FILES = {"assessments:pdf", "assessments:save", "assessments:load"}


def group_of(request: HttpRequest) -> str | None:
    """The group of routes this request belongs to, or None for everything not limited."""
    match = request.resolver_match
    if match is None:
        return None
    name, post = match.view_name, request.method == "POST"
    if match.namespace == "api":
        return "api"
    if name in ("home", "portal:home") and request.GET.get("q", "").strip():
        return "search"
    if name in EXPORTS:
        return "export"
    if post and name in PLAN_FILES:
        return "plan"
    if name not in STAFF_ROUTES or not request.user.is_authenticated:
        return None  # reading, or a staff route that login_required will answer
    if name == "cases:evidence_download":
        return "staff_download"
    if post and name == "referrals:entry_draft" and "format" in request.POST:
        return "staff_download"
    if post and (name == "sgreports:upload" or match.kwargs.get("kind") == "evidence"):
        return "staff_upload"
    return None


@dataclass(frozen=True)
class Refusal:
    group: str
    rule: Rule
    limit: int
    retry_after: int
    first: bool  # the first refused request of this window: logged (and audited for staff)


def _subject(request: HttpRequest, by: str) -> str:
    """A keyed hash (HMAC-SHA256 under SECRET_KEY) of the address or account: never in clear."""
    if by == EVERYONE:
        return "all"
    value = f"user:{request.user.pk}" if by == ACCOUNT else f"ip:{client_address(request)}"
    return salted_hmac("amparo.security.ratelimit", value, algorithm="sha256").hexdigest()[:32]


class _Shared:
    """This process's client for the shared counters, and when it may try Redis again."""

    lock = threading.Lock()
    clients: dict[str, redis.Redis] = {}
    paused_until = 0.0


def redis_client(url: str) -> redis.Redis:
    """One client (a thread-safe connection pool) per URL and process, with short timeouts."""
    import redis

    with _Shared.lock:
        client = _Shared.clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
                retry_on_timeout=False,
                health_check_interval=30,
            )
            _Shared.clients[url] = client
        return client


def _count(key: str, timeout: int) -> int:
    url = settings.AMPARO_RATELIMIT_REDIS_URL
    if url and time.monotonic() >= _Shared.paused_until:
        import redis

        try:
            return _shared_count(redis_client(url), REDIS_PREFIX + key, timeout)
        except redis.RedisError as exc:
            _Shared.paused_until = time.monotonic() + REDIS_PAUSE
            # The class only: a message may name the server, never the URL's password.
            logger.error(
                "rate-limit counters: Redis did not answer (%s); this process counts alone "
                "for %d s, then tries again",
                type(exc).__name__,
                REDIS_PAUSE,
            )
    return _local_count(key, timeout)


def _shared_count(client: redis.Redis, key: str, timeout: int) -> int:
    """INCR and EXPIRE in one transaction: the count and its expiry cannot come apart."""
    with client.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, timeout)
        count, _ = pipe.execute()
    return int(count)


def _local_count(key: str, timeout: int) -> int:
    cache = caches[CACHE]
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def check(request: HttpRequest, group: str) -> Refusal | None:
    """Count this request against its group's rules; a Refusal when one is over its limit."""
    now = clock()
    for rule in GROUPS[group]:
        limit = settings.AMPARO_RATELIMITS.get(rule.name, 0)
        if limit <= 0:
            continue
        window = int(now // rule.window)
        retry_after = max(1, math.ceil((window + 1) * rule.window - now))
        key = f"rl:{rule.name}:{window}:{_subject(request, rule.by)}"
        count = _count(key, retry_after + 1)
        if count > limit:
            return Refusal(group, rule, limit, retry_after, first=count == limit + 1)
    return None


def refuse(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """429 with Retry-After: JSON on the API, else a page; the first refusal logged (no address)."""
    rule = refusal.rule
    if refusal.first:
        logger.warning(
            "rate limit reached: group %s, rule %s (%d per %d s, %s)",
            refusal.group,
            rule.name,
            refusal.limit,
            rule.window,
            "per " + rule.by if rule.by != EVERYONE else "in total",
        )
        if rule.by == ACCOUNT:
            _audit(request, refusal)
    if refusal.group == "api":
        response: HttpResponse = JsonResponse(
            {
                "error": {
                    "message": f"too many requests: at most {refusal.limit} per "
                    f"{rule.window} seconds from one address; try again in "
                    f"{refusal.retry_after} seconds"
                }
            },
            status=429,
        )
    else:
        response = too_many_requests(request, rule.by, refusal.limit, refusal.retry_after)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _audit(request: HttpRequest, refusal: Refusal) -> None:
    record_event(
        "security.rate_limited",
        actor=request.user,
        object_type="url",
        detail={
            "group": refusal.group,
            "limit": refusal.limit,
            "window_seconds": refusal.rule.window,
            "method": request.method,
            "path": request.path[:200],
        },
        request=request,
    )


class RateLimitMiddleware:
    """Applies the limits once the URL is resolved (after the CSRF check and the staff session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        group = group_of(request)
        refusal = check(request, group) if group else None
        return refuse(request, refusal) if refusal else None


@register("security", deploy=True)
def shared_counters_answer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """ratelimit.W001 (check --deploy) when the configured Redis does not answer a PING."""
    url = settings.AMPARO_RATELIMIT_REDIS_URL
    if not url:
        return []
    import redis

    try:
        redis_client(url).ping()
    except redis.RedisError as exc:
        return [
            Warning(
                f"AMPARO_RATELIMIT_REDIS_URL: Redis does not answer ({type(exc).__name__}). "
                "Until it does, each server process counts the rate limits alone, so a client "
                "can reach each limit once per process.",
                hint="Start Redis, or unset AMPARO_RATELIMIT_REDIS_URL (docs/adr/0025).",
                id="ratelimit.W001",
            )
        ]
    return []
