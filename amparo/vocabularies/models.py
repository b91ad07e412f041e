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
