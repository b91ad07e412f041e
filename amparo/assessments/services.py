"""Writes for assessments: staff attaching a finished assessment to an entry (encrypted)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from amparo.accounts.audit import record_event
from amparo.assessments import wizard
from amparo.assessments.models import EntryAssessment
from amparo.cases.models import Entry


@transaction.atomic
def attach_assessment(actor: Any, entry: Entry, state: dict[str, Any]) -> EntryAssessment:
    """Keep a rated assessment with an entry; for staff who may edit it (the caller fetched
    the entry through the access chokepoint). Audited by field name, never by value."""
    if not getattr(actor, "can_edit", False):
        raise PermissionDenied
    cleaned = wizard.clean_state(state)
    if wizard.reached(cleaned) != "result":
        raise ValidationError(_("Finish rating every threat before attaching the assessment."))
    assessment = EntryAssessment.objects.create(entry=entry, data=cleaned, created_by=actor)
    record_event("assessment.attach", actor=actor, obj=entry, fields=["assessment"])
    return assessment
