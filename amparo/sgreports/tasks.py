"""Background work: reading an uploaded report (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def import_report(batch_id: str) -> str:
    """Run one import batch; returns its final state."""
    from amparo.sgreports.services import run_import

    return run_import(batch_id).state
