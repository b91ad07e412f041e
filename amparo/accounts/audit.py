"""Writing to the audit log: the one function every part of Amparo calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction
from django.http import HttpRequest

from amparo.accounts.addresses import client_address
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
        _serialise_writers()
        last = AuditEvent.objects.order_by("-id").first()
        event = AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "") or "",
            action=action,
            object_type=object_type,
            object_id=object_id,
            fields=sorted(fields or []),
            detail=detail or {},
            remote_addr=client_address(request) if request is not None else None,
            previous_hash=last.hash if last else "",
        )
        event.hash = event.compute_hash()
        event.save()
    return event


# Any constant shared by every Amparo process: the key of the PostgreSQL advisory lock below.
AUDIT_LOCK = 1634562145


def _serialise_writers() -> None:
    """One audit writer at a time, until its transaction ends, so each event links to the last.

    SQLite needs nothing: Amparo's transactions take the write lock at BEGIN (IMMEDIATE). On
    PostgreSQL a row lock on the last event is not enough: a second writer waiting on it reads
    that same row once the first commits, and both new events would link to it (found by the
    crash harness, scripts/security/40-crash). A transaction-scoped advisory lock taken before
    reading the last event makes the second writer read the first one's event.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK])


def verify_chain() -> list[int]:
    """Ids of events whose hash or link to the previous event does not match."""
    broken: list[int] = []
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            broken.append(event.id)
        previous = event.hash
    return broken


# The database refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) of audit rows through a
# trigger (migration 0002). The trigger lets a change through only while this connection is
# in maintenance: ``amparo flush`` (which wipes every table, as the test suite does between
# transactional tests) and tests that tamper with the log on purpose. On PostgreSQL the flag is
# a session setting; on SQLite a function registered on each connection (see apps.py).
AUDIT_UNLOCK_SETTING = "amparo.audit_unlocked"
SQLITE_UNLOCK_FUNCTION = "amparo_audit_unlocked"


@contextmanager
def audit_maintenance(using: str = "default") -> Iterator[None]:
    """Within one transaction, let this connection change or delete audit rows (flush, tests)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # is_local=true: the setting ends with the transaction, whatever happens.
                cursor.execute("SELECT set_config(%s, 'on', true)", [AUDIT_UNLOCK_SETTING])
        connection.amparo_audit_unlocked = True
        try:
            yield
        finally:
            connection.amparo_audit_unlocked = False


def register_sqlite_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new SQLite connection, define the function the append-only trigger consults."""
    if connection.vendor != "sqlite":
        return

    def unlocked() -> int:
        return 1 if getattr(connection, "amparo_audit_unlocked", False) else 0

    connection.connection.create_function(SQLITE_UNLOCK_FUNCTION, 0, unlocked)
