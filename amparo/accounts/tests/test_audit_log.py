"""The audit log: append-only in the database, hash-chained, verified by a command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from amparo.accounts.audit import audit_maintenance, record_event, verify_chain
from amparo.accounts.models import AuditEvent


def _events(n: int) -> list[AuditEvent]:
    return [record_event("test.event", object_type="probe", object_id=str(i)) for i in range(n)]


@pytest.mark.django_db
def test_a_fresh_chain_verifies(capsys):
    _events(3)
    assert verify_chain() == []
    call_command("audit_verify")
    assert "audit log intact: 3 events" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(sql):
    event = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.id])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db
def test_the_orm_refuses_too():
    event = _events(1)[0]
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_audit_verify_names_an_altered_event_and_exits_non_zero():
    events = _events(4)
    with audit_maintenance(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditevent SET object_id = 'x' WHERE id = %s", [events[1].id]
        )
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1
    assert f"ids {events[1].id}" in str(failure.value)


@pytest.mark.django_db
def test_audit_verify_notices_a_removed_event():
    events = _events(3)
    with audit_maintenance(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [events[1].id])
    assert verify_chain() == [events[2].id]


@pytest.mark.django_db(transaction=True)
def test_flush_may_empty_the_log_so_transactional_tests_still_work():
    _events(2)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    event = _events(1)[0]  # the guard is back once the flush is over
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [event.id])


@pytest.mark.django_db
def test_the_log_page_is_for_administrators(admin_client, viewer_client, coordinator_client):
    record_event("login.failed", detail={"username": "someone-secret"})
    page = admin_client.get("/accounts/audit/?action=login")
    assert page.status_code == 200
    assert b"login.failed" in page.content and b"someone-secret" not in page.content
    assert viewer_client.get("/accounts/audit/").status_code == 403
    assert coordinator_client.get("/accounts/audit/").status_code == 403


@pytest.mark.django_db
def test_sign_in_events_hold_no_password(client):
    client.post("/accounts/login/", {"username": "nobody", "password": "hunter2-secret"})
    event = AuditEvent.objects.get(action="login.failed")
    assert "hunter2-secret" not in str([event.detail, event.fields, event.object_id])
    assert event.detail == {"username": "nobody"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writers queue at BEGIN")
def test_concurrent_writers_keep_one_chain():
    """Regression: two writers waiting on the same last event both linked to it (crash harness)."""
    import threading

    from django.db import connections

    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    record_event("test.concurrent", object_type="probe", object_id=f"{n}-{i}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 60
    assert verify_chain() == []
