"""Reference data loaded from amparo/data and editable by administrators, with history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Term(models.Model):
    """One value of a controlled vocabulary (REFERENCE §2), with labels in three languages."""

    vocabulary = models.CharField(_("vocabulary"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_es = models.CharField(_("label (Spanish)"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    handbook_section = models.CharField(max_length=40, blank=True)
    deprecated = models.BooleanField(default=False)
    source = models.CharField(max_length=300, blank=True)
    last_verified = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["vocabulary", "position"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "slug"], name="term_unique_slug")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"label_{language}", "") or self.label_en


class Country(models.Model):
    """A State or territory (ISO 3166-1 alpha-3) with its region and memberships."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    alpha2 = models.CharField(max_length=2, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    un_short_name = models.CharField(_("UN short name"), max_length=200)
    aliases = models.JSONField(default=list, blank=True)
    region = models.CharField(_("region"), max_length=40)
    memberships = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=300, blank=True)
    last_verified = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en


class Avenue(models.Model):
    """An avenue of recourse (REFERENCE §3): who to write to, what it can do, with its source."""

    slug = models.SlugField(_("slug"), max_length=60, primary_key=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_fr = models.CharField(_("name (French)"), max_length=300)
    name_es = models.CharField(_("name (Spanish)"), max_length=300)
    body = models.CharField(_("body"), max_length=40, blank=True)
    bodies = models.JSONField(_("bodies it serves"), default=list, blank=True)
    to = models.JSONField(_("write to"), default=list, blank=True)
    cc = models.JSONField(_("copy to"), default=list, blank=True)
    addresses_by_body = models.JSONField(_("addresses by body"), default=dict, blank=True)
    guidance = models.JSONField(
        _("guidance"),
        default=dict,
        blank=True,
        help_text=_("Summary, conditions, what to include, next steps and timing, per language."),
    )
    handbook_section = models.CharField(_("handbook section"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en


class TreatyAcceptance(models.Model):
    """Whether a State accepted a treaty-body procedure (HB §3.1), with its source and date.

    One row per State, treaty body and procedure (`party`: ratified the treaty;
    `individual_communication`: accepted the committee's competence to take complaints).
    """

    STATUSES = [
        ("accepted", _("accepted")),
        ("not_accepted", _("not accepted")),
        ("unknown", _("unknown")),
    ]

    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="treaty_acceptances",
        verbose_name=_("State"),
    )
    body = models.CharField(_("treaty body"), max_length=40)
    procedure = models.CharField(_("procedure"), max_length=40)
    status = models.CharField(_("status"), max_length=20, choices=STATUSES, default="unknown")
    source = models.TextField(_("source"), blank=True)
    last_verified = models.DateField(_("last verified"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "body", "procedure"]
        verbose_name = _("treaty acceptance")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "body", "procedure"], name="treaty_acceptance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country_id} {self.body} {self.procedure}: {self.status}"
