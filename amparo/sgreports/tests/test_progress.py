"""Progress of a long import: written to the batch row as the task goes, shown on the batch page
(refreshing itself only while the task runs), printed on stderr by the CLI. No timings."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from pypdf import PageObject

from amparo.sgreports import services
from amparo.sgreports.models import Candidate, ImportBatch
from amparo.sgreports.tasks import import_report
from amparo.sgreports.tests.conftest import REPORT_TEXT, pdf_with_pages, report_pages

pytestmark = pytest.mark.django_db

PROGRESS = ("state", "phase", "pages_read", "pages_total", "paragraphs", "total", "done")
WORKER_BACKEND = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def row(batch_id) -> dict:
    return ImportBatch.objects.filter(pk=batch_id).values(*PROGRESS).get()


@pytest.fixture
def seen(monkeypatch):
    """What the batch row and page said while pages were read and candidates built."""
    log: dict[str, list] = {"pages": [], "candidates": [], "page_html": []}
    extract_page = PageObject.extract_text
    find_match = services.find_match

    def reading(page, *args, **kwargs):
        for batch in ImportBatch.objects.filter(state="running"):
            log["pages"].append(row(batch.pk))
        return extract_page(page, *args, **kwargs)

    def matching(extraction, symbol):
        batch = ImportBatch.objects.get(state="running")
        log["candidates"].append(row(batch.pk))
        if log["client"] is not None:
            url = reverse("sgreports:batch", args=[batch.pk])
            log["page_html"].append(log["client"].get(url).content.decode())
        return find_match(extraction, symbol)

    monkeypatch.setattr(PageObject, "extract_text", reading)
    monkeypatch.setattr(services, "find_match", matching)
    log["client"] = None
    return log


def test_the_task_writes_pages_paragraphs_and_candidates_as_it_goes(reports, documenter, seen):
    batch = services.start_import(documenter, "A/HRC/99/10", pdf=pdf_with_pages(report_pages(4)))
    services.run_import(batch.pk)
    # Before page n is read, n - 1 pages are recorded as read.
    assert [(r["phase"], r["pages_read"], r["pages_total"]) for r in seen["pages"]] == [
        ("", 0, 0),
        ("pages", 1, 4),
        ("pages", 2, 4),
        ("pages", 3, 4),
    ]
    # While candidate n is built: the split is recorded, and n - 1 candidates are built.
    assert [(r["phase"], r["paragraphs"], r["total"], r["done"]) for r in seen["candidates"]] == [
        ("candidates", 4, 4, 0),
        ("candidates", 4, 4, 1),
        ("candidates", 4, 4, 2),
        ("candidates", 4, 4, 3),
    ]
    final = row(batch.pk)
    assert final["state"] == "done" and final["done"] == final["total"] == 4
    assert final["pages_read"] == final["pages_total"] == 4
    assert ImportBatch.objects.get(pk=batch.pk).upload == ""  # the PDF is not kept once read


def test_the_batch_page_shows_progress_while_the_task_runs_and_stops_refreshing(
    reports, documenter, documenter_client, seen
):
    seen["client"] = documenter_client
    batch = services.start_import(documenter, "A/HRC/99/10", pdf=pdf_with_pages(report_pages(3)))
    services.run_import(batch.pk)
    during = seen["page_html"][1]
    assert 'http-equiv="refresh"' in during
    assert '<progress id="pages" max="3" value="3">' in during
    assert '<progress id="progress" max="3" value="1">' in during
    assert "3 numbered paragraphs, 3 under a country heading" in during
    after = documenter_client.get(reverse("sgreports:batch", args=[batch.pk])).content.decode()
    assert 'http-equiv="refresh"' not in after and "3 candidates." in after


def test_a_failure_keeps_no_candidate_and_says_why(reports, documenter, monkeypatch):
    calls = {"n": 0}
    find_match = services.find_match

    def failing(extraction, symbol):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        return find_match(extraction, symbol)

    monkeypatch.setattr(services, "find_match", failing)
    batch = services.run_import(services.start_import(documenter, "A/HRC/99/10", REPORT_TEXT).pk)
    assert batch.state == "failed" and "RuntimeError" in batch.error
    assert Candidate.objects.count() == 0


def test_an_unreadable_pdf_fails_the_batch_with_the_reason(reports, documenter):
    empty_page = pdf_with_pages([[]])
    batch = services.run_import(services.start_import(documenter, "A/HRC/99/10", pdf=empty_page).pk)
    assert batch.state == "failed" and "no text layer" in batch.error


@override_settings(TASKS=WORKER_BACKEND)
def test_with_a_worker_backend_the_upload_returns_and_the_page_follows_the_worker(
    reports, documenter_client
):
    upload = SimpleUploadedFile("r.pdf", pdf_with_pages(report_pages(2)), "application/pdf")
    response = documenter_client.post(
        reverse("sgreports:upload"), {"report": "A/HRC/99/10", "file": upload}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.state == "queued" and batch.upload
    waiting = documenter_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting and "Waiting for a worker" in waiting
    import_report.call(str(batch.pk))  # what the worker runs
    done = documenter_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done and "2 candidates." in done


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_with_the_database_backend_the_production_worker_runs_the_import(
    reports, documenter_client
):
    """The queued backend production uses (docs/deployment.md): a row, then `amparo db_worker`."""
    from django_tasks_db.models import DBTaskResult

    upload = SimpleUploadedFile("r.pdf", pdf_with_pages(report_pages(2)), "application/pdf")
    response = documenter_client.post(
        reverse("sgreports:upload"), {"report": "A/HRC/99/10", "file": upload}
    )
    batch = ImportBatch.objects.get()
    assert batch.state == "queued" and DBTaskResult.objects.count() == 1
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [str(batch.pk)]  # an id, never the report's text
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    batch.refresh_from_db()
    assert batch.state == "done" and Candidate.objects.filter(batch=batch).count() == 2
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    done = documenter_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done and "2 candidates." in done


def run_cli(tmp_path, name: str, data: bytes, *extra: str) -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out, err = StringIO(), StringIO()
    call_command(
        "sgreport", "import", str(path), "--symbol", "A/HRC/99/10", *extra, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_the_cli_prints_progress_on_stderr_for_a_long_pdf(tmp_path, reports):
    out, err = run_cli(tmp_path, "r.pdf", pdf_with_pages(report_pages(12)), "--dry-run", "--json")
    assert "pages read: 1/12" in err and "pages read: 12/12" in err
    assert "paragraphs split: 12, of which 12 under a country heading" in err
    assert "candidates built: 12/12" in err
    assert out.lstrip().startswith("{") and "pages read" not in out


def test_the_cli_import_prints_progress_and_writes_it_to_the_batch(tmp_path, reports):
    _, err = run_cli(tmp_path, "r.pdf", pdf_with_pages(report_pages(12)), "--json")
    batch = ImportBatch.objects.get()
    assert "pages read: 12/12" in err and "candidates built: 12/12" in err
    assert (batch.pages_read, batch.paragraphs, batch.done) == (12, 12, 12)


def test_the_cli_is_quiet_for_a_short_file_unless_asked(tmp_path, reports):
    _, quiet = run_cli(tmp_path, "r.txt", REPORT_TEXT.encode(), "--dry-run")
    _, asked = run_cli(tmp_path, "r.txt", REPORT_TEXT.encode(), "--dry-run", "--progress")
    assert "candidates built" not in quiet
    assert "paragraphs split: 4, of which 4 under a country heading" in asked
    assert "candidates built: 4/4" in asked
