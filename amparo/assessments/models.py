"""An assessment a staff member attached to an entry, encrypted like other confidential data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amparo.security.fields import EncryptedJSONField


class EntryAssessment(models.Model):
    """A risk assessment and plan (HB ch.2) kept with an entry; its answers are encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey("cases.Entry", on_delete=models.CASCADE, related_name="assessments")
    data = EncryptedJSONField(_("assessment"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("risk assessment")
