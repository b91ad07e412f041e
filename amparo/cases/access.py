"""The one way to fetch an entry for a staff member: every view goes through here."""

from __future__ import annotations

import uuid as uuid_module

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from amparo.accounts.audit import record_event
from amparo.accounts.models import User
from amparo.cases.models import Entry


def entries_for_user(user: User) -> QuerySet[Entry]:
    """Entries this staff member may open: all unrestricted ones, and restricted ones naming them.

    Written with a subquery rather than a join so the queryset needs no DISTINCT and can feed
    facet counts and other subqueries as it is.
    """
    if not (user.is_authenticated and user.is_active):
        return Entry.objects.none()
    if user.is_admin:
        return Entry.objects.all()
    named = Entry.allowed_users.through.objects.filter(user_id=user.pk).values("entry_id")
    return Entry.objects.filter(Q(restricted=False) | Q(id__in=named))


def get_entry_for_user(user: User, uuid: object, *, change: bool = False) -> Entry:
    """The entry if the user may open it (and change it, when asked).

    404 when the entry does not exist or is restricted to others; 403 when the user may see
    it but not change it. Every view that fetches an entry calls this.
    """
    try:
        entry = entries_for_user(user).get(uuid=uuid)
    except (Entry.DoesNotExist, ValueError):
        hidden = Entry.objects.filter(uuid=uuid).first() if _is_uuid(uuid) else None
        if hidden is not None:
            # Answered like an unknown entry, but an attempt on a restricted one is audited.
            record_event("access.denied", actor=user, obj=hidden, detail={"reason": "restricted"})
        raise Http404 from None
    if change and not user.can_edit:
        raise PermissionDenied
    return entry


def _is_uuid(value: object) -> bool:
    try:
        uuid_module.UUID(str(value))
    except ValueError:
        return False
    return True


def can_see_confidential(user: User, entry: Entry) -> bool:
    """Whether the user may read the entry's identities, contacts, notes, consent and evidence."""
    return user.can_see_confidential and entries_for_user(user).filter(pk=entry.pk).exists()
