"""The client's address: from `X-Forwarded-For` only behind as many proxies as configured.

``AMPARO_PROXY_COUNT`` says how many reverse proxies stand in front of Amparo (0 by default:
the connection's own address is the client's). With N proxies, each appends the address it saw
to `X-Forwarded-For`, so the client is the N-th entry from the right; anything to its left was
written by the client and is ignored (ASVS 4.1.3, 15.3.4). Used by the lockout (django-axes,
``AXES_CLIENT_IP_CALLABLE``) and the audit log, so both name the same address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as the trusted proxies saw it; the peer's without proxies."""
    peer = request.META.get("REMOTE_ADDR") or None
    count = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return peer
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < count:
        return peer  # fewer hops than configured: the header did not come through our proxies
    candidate = chain[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
