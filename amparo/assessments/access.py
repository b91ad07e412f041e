"""The one way staff fetch an attached assessment: through the entry it belongs to."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404

from amparo.accounts.models import User
from amparo.assessments.models import EntryAssessment
from amparo.cases.access import entries_for_user


def get_assessment_for_user(user: User, pk: uuid.UUID) -> EntryAssessment:
    """The assessment if the user may open its entry (404 otherwise, restricted entries too)
    and read its confidential details (403 otherwise): it holds the defender's own contacts."""
    try:
        assessment = EntryAssessment.objects.select_related("entry").get(
            pk=pk, entry__in=entries_for_user(user)
        )
    except EntryAssessment.DoesNotExist:
        raise Http404 from None
    if not user.can_see_confidential:
        raise PermissionDenied
    return assessment
