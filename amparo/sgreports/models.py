"""The Secretary-General's Reprisals Reports (HB §3.5): registry, import batches, candidates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from amparo.core.citations import format_citation
from amparo.security.fields import EncryptedJSONField, EncryptedTextField


class LayoutEra(models.TextChoices):
    BODY = "body", _("Cases in the body, under country headings (2010-2016)")
    ANNEXES = "annexes", _("Annex I new cases, annex II follow-up (2017 on)")


class Report(models.Model):
    """One annual report; loaded from amparo/data/sg_reports.json, editable, history kept."""

    symbol = models.CharField(_("document symbol"), max_length=60, unique=True)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    hrc_session = models.PositiveSmallIntegerField(_("HRC session"), null=True, blank=True)
    reporting_period_start = models.DateField(_("reporting period from"), null=True, blank=True)
    reporting_period_end = models.DateField(_("reporting period to"), null=True, blank=True)
    call_for_submissions = models.DateField(_("call for submissions closes"), null=True, blank=True)
    interactive_dialogue = models.DateField(_("interactive dialogue"), null=True, blank=True)
    layout_era = models.CharField(_("layout"), max_length=10, choices=LayoutEra.choices)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_(
            "Tick only when every value of this row was checked against a source named below."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    source = models.TextField(
        _("sources"), blank=True, help_text=_("One source per line, with the fields it supports.")
    )
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.year})"


class BatchState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Reading the report")
    DONE = "done", _("Ready for review")
    FAILED = "failed", _("Failed")


class BatchPhase(models.TextChoices):
    WAITING = "", _("Waiting for a worker")
    PAGES = "pages", _("Reading the pages")
    SPLIT = "split", _("Splitting into paragraphs")
    CANDIDATES = "candidates", _("Building candidates")
    SAVING = "saving", _("Saving the candidates")


class ImportBatch(models.Model):
    """One upload of a report; its candidates wait for review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="batches")
    # The report is public, but a copy inside Amparo sits beside who is tracked: kept encrypted.
    text = EncryptedTextField(_("report text"), blank=True)
    # A PDF waits here (base64, encrypted) until the task reads it; emptied once read.
    upload = EncryptedTextField(blank=True)
    state = models.CharField(max_length=10, choices=BatchState.choices, default=BatchState.QUEUED)
    # Progress, written by the task as it goes (services.run_import) and read by the batch page.
    phase = models.CharField(max_length=12, choices=BatchPhase.choices, blank=True, default="")
    pages_total = models.PositiveIntegerField(default=0)
    pages_read = models.PositiveIntegerField(default=0)
    paragraphs = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def get_absolute_url(self) -> str:
        return reverse("sgreports:batch", kwargs={"pk": self.pk})

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def working(self) -> bool:
        return self.state in (BatchState.QUEUED, BatchState.RUNNING)


class CandidateState(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACCEPTED = "accepted", _("Accepted")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")


class Candidate(models.Model):
    """A case paragraph's proposed coding; it enters the register only once reviewed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="candidates")
    annex = models.CharField(_("annex"), max_length=8, blank=True)
    paragraph = models.PositiveIntegerField(_("paragraph"))
    country = models.CharField(_("country"), max_length=3)
    kind = models.CharField(_("kind"), max_length=30)
    # Suggestions with their words, earlier citations, heading: no names in here.
    proposed = models.JSONField(default=dict)
    names = EncryptedJSONField(
        _("names"), default=dict
    )  # {"persons": [...], "organisations": [...]}
    text = EncryptedTextField(_("paragraph text"))
    match_ref = models.CharField(max_length=64, blank=True)
    possible_matches = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=CandidateState.choices, default=CandidateState.PENDING, db_index=True
    )
    entry = models.ForeignKey(
        "cases.Entry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["annex", "paragraph"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "annex", "paragraph"], name="candidate_paragraph_unique"
            )
        ]

    @property
    def citation(self) -> str:
        return format_citation(self.batch.report.symbol, self.annex, self.paragraph)

    def slugs(self, name: str) -> list[str]:
        """The proposed slugs of one suggestion list (reprisal_types, bodies, contact_points)."""
        return [s["slug"] for s in self.proposed.get(name, [])]


class CalendarFeedToken(models.Model):
    """A staff member's secret calendar feed address; only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def active(self) -> bool:
        return self.revoked_at is None
