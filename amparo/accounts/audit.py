"""Writing to the audit log: the one function every part of Amparo calls."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from amparo.accounts.models import AuditEvent


def record_event(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    fields: list[str] | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append an event. Callers pass field names and counts, never confidential values."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if request is not None and actor is None and request.user.is_authenticated:
        actor = request.user
    with transaction.atomic():
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        event = AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "") or "",
            action=action,
            object_type=object_type,
            object_id=object_id,
            fields=sorted(fields or []),
            detail=detail or {},
            remote_addr=request.META.get("REMOTE_ADDR") if request is not None else None,
            previous_hash=last.hash if last else "",
        )
        event.hash = event.compute_hash()
        event.save()
    return event


def verify_chain() -> list[int]:
    """Ids of events whose hash or link to the previous event does not match."""
    broken: list[int] = []
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            broken.append(event.id)
        previous = event.hash
    return broken
