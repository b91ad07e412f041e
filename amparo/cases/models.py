"""The case register: entries and what hangs from them (REFERENCE §2, §5, §6)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amparo.core.reference import IMPERSONAL_KINDS
from amparo.security.fields import EncryptedJSONField, EncryptedTextField


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class EntryQuerySet(models.QuerySet):
    def public(self) -> EntryQuerySet:
        """Entries anyone may see: published, and consented to or about no person (REFERENCE §6)."""
        consented = Consent.objects.filter(
            entry=OuterRef("pk"), purpose="publish_in_portal", withdrawn_on__isnull=True
        )
        return self.filter(published=True).filter(Q(kind__in=IMPERSONAL_KINDS) | Exists(consented))

    def in_portal(self) -> EntryQuerySet:
        """Public entries, read from the stored portal_visible flag and checked by the live rule.

        The flag lets the database use an index; the live rule makes sure that nothing written
        past the services (a raw UPDATE) could ever show an entry that is no longer public.
        """
        # The same rule as public(), with the consent as a scalar subquery: PostgreSQL then
        # checks it row by row for a page of 25, instead of hashing every consent first.
        consent = (
            Consent.objects.filter(
                entry=OuterRef("pk"), purpose="publish_in_portal", withdrawn_on__isnull=True
            )
            .order_by()
            .values("entry")[:1]
        )
        return (
            self.filter(portal_visible=True, published=True)
            .alias(publication_consent=Subquery(consent))
            .filter(Q(kind__in=IMPERSONAL_KINDS) | Q(publication_consent__isnull=False))
        )


class Entry(models.Model):
    """A case or situation of intimidation or reprisal."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    crypto_identity = "uuid"
    ref = models.CharField(_("reference"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=30, db_index=True)
    title = models.CharField(_("public title"), max_length=300)
    summary = models.TextField(_("public summary"), blank=True)
    country = models.CharField(_("country"), max_length=3, db_index=True)
    region = models.CharField(_("region"), max_length=40, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    subject_kind = models.CharField(_("subject kind"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=20, blank=True, db_index=True)
    published = models.BooleanField(_("published"), default=False, db_index=True)
    # The public() rule stored, so public counts and pages need no EXISTS over consents: kept by
    # analytics.services.refresh_public_for in the transaction of every write (ADR 0011).
    portal_visible = models.BooleanField(
        _("shown in the portal"), default=False, db_default=False, editable=False
    )
    restricted = models.BooleanField(
        _("restricted to named staff"),
        default=False,
        help_text=_("Only the staff named on the entry (and administrators) can open it."),
    )
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="allowed_entries"
    )
    notes = EncryptedTextField(_("confidential notes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["published", "country", "year"])]

    def __str__(self) -> str:
        return f"{self.ref}: {self.title}"

    @property
    def is_public(self) -> bool:
        """Whether the portal may show this entry (same rule as EntryQuerySet.public)."""
        if not self.published:
            return False
        if self.kind in IMPERSONAL_KINDS:
            return True
        return self.consents.filter(purpose="publish_in_portal", withdrawn_on__isnull=True).exists()

    def terms_of(self, vocabulary: str) -> list[str]:
        """The slugs this entry holds in a multi-valued vocabulary, in stored order."""
        return [t.slug for t in self.terms.all() if t.vocabulary == vocabulary]

    def terms_by_vocabulary(self) -> dict[str, list[str]]:
        """terms_of for every vocabulary at once: one query rather than one per vocabulary."""
        held: dict[str, list[str]] = {}
        for term in self.terms.all():
            held.setdefault(term.vocabulary, []).append(term.slug)
        return held


class EntryTerm(models.Model):
    """One value of a multi-valued vocabulary held by an entry; the table facets count."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="terms")
    vocabulary = models.CharField(max_length=40)
    slug = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "vocabulary", "slug"], name="entry_term_unique"
            )
        ]
        indexes = [models.Index(fields=["vocabulary", "slug", "entry"])]


class Subject(models.Model):
    """A person, group or organisation concerned by an entry; identity fields are encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField(_("kind"), max_length=20)
    gender = models.CharField(_("gender"), max_length=20, blank=True)
    name = EncryptedTextField(_("name"))
    aliases = EncryptedJSONField(_("aliases"))
    contact = EncryptedTextField(_("contact details"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class NameToken(models.Model):
    """A keyed hash of one word of a subject's name, so staff can find a name without decrypting."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="tokens")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=32, db_index=True)


class Engagement(models.Model):
    """A cooperation with a UN or regional body that preceded the reprisal."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="engagements")
    body = models.CharField(_("body"), max_length=40)
    contact_point = models.CharField(_("point of contact"), max_length=40, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    description = EncryptedTextField(_("description"))

    class Meta:
        ordering = ["date", "id"]


class Incident(models.Model):
    """Something done to the subject: when, where, what, by whom."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="incidents")
    date = models.DateField(_("date"), null=True, blank=True)
    date_end = models.DateField(_("until"), null=True, blank=True)
    place = EncryptedTextField(_("place"))
    reprisal_types = models.JSONField(_("reprisal types"), default=list, blank=True)
    perpetrators = models.JSONField(_("perpetrators"), default=list, blank=True)
    description = EncryptedTextField(_("description"))

    class Meta:
        ordering = ["date", "id"]


class Citation(models.Model):
    """Where a UN document mentions the entry: symbol, annex, paragraph."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="citations")
    symbol = models.CharField(_("document symbol"), max_length=60, db_index=True)
    annex = models.CharField(_("annex"), max_length=8, blank=True)
    paragraph = models.PositiveIntegerField(_("paragraph"), null=True, blank=True)

    class Meta:
        ordering = ["symbol", "annex", "paragraph"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "symbol", "annex", "paragraph"], name="citation_unique"
            )
        ]

    def __str__(self) -> str:
        from amparo.core.citations import format_citation

        return format_citation(self.symbol, self.annex, self.paragraph)


class Consent(models.Model):
    """Consent for one purpose (REFERENCE §5); never implies another purpose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="consents")
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=40, db_index=True)
    given_by = models.CharField(_("given by"), max_length=30)
    method = models.CharField(_("how"), max_length=30)
    given_on = models.DateField(_("given on"))
    limits = EncryptedTextField(_("limits"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_note = EncryptedTextField(_("withdrawal note"))
    source = models.CharField(max_length=20, default="staff")  # staff | import
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["purpose", "-given_on"]
        indexes = [models.Index(fields=["entry", "purpose", "withdrawn_on"])]

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class Evidence(models.Model):
    """A source or evidence file: the original and a metadata-stripped copy, both encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=30, default="document")
    description = EncryptedTextField(_("description"))
    original_name = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    stored_path = models.CharField(max_length=200, blank=True)
    shared_path = models.CharField(max_length=200, blank=True)
    metadata_removed = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name_plural = _("evidence")

    @property
    def has_shared_copy(self) -> bool:
        return bool(self.shared_path)

    @classmethod
    def reencrypt_files(cls, old_ring: Any, new_ring: Any) -> int:
        """Re-encrypt every stored original and shared copy under new_ring's active key.

        Called by the key-rotation service inside its transaction. Each file is written under a
        new random name and the old one removed only once the transaction commits, so a failed
        rotation leaves every file readable.
        """
        from django.db import transaction

        from amparo.cases import evidence as files

        count = 0
        for item in cls._base_manager.exclude(stored_path="").iterator():
            updates = {}
            for variant, attr in (("original", "stored_path"), ("shared", "shared_path")):
                old_name = getattr(item, attr)
                if not old_name:
                    continue
                data = files.load(old_name, files.aad(item, variant), ring=old_ring)
                updates[attr] = files.store(data, files.aad(item, variant), ring=new_ring)
                transaction.on_commit(lambda name=old_name: files.discard(name))
                count += 1
            cls._base_manager.filter(pk=item.pk).update(**updates)
        return count


class Action(models.Model):
    """A step taken on the entry: a submission to an avenue, and what came back."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="actions")
    avenue = models.CharField(_("avenue"), max_length=60)
    taken_on = models.DateField(_("date"))
    reference = models.CharField(_("reference number"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=20, default="sent")
    reply = EncryptedTextField(_("reply"))
    replied_on = models.DateField(_("reply received on"), null=True, blank=True)
    reminder_on = models.DateField(_("follow up on"), null=True, blank=True, db_index=True)
    notes = EncryptedTextField(_("notes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["taken_on", "id"]
