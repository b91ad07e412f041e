"""Staff accounts, roles, two-factor devices and the append-only audit log."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amparo.security.fields import EncryptedTextField


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    DOCUMENTER = "documenter", _("Documenter")
    VIEWER = "viewer", _("Viewer")


class StaffUserManager(UserManager):
    """``createsuperuser`` makes an administrator: the role decides everything else."""

    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        extra_fields.setdefault("role", Role.ADMIN)
        if extra_fields["role"] != Role.ADMIN:
            raise ValueError("A superuser must have the admin role.")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A staff member. Every account is staff; the public portal needs none.

    The role is the single source of truth: ``is_staff`` and ``is_superuser`` (the Django
    admin's own flags) follow it on every save, so only an administrator can enter the admin.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    # Set when an administrator chose the password (a new account, a reset): the user picks
    # their own before any other page (ASVS 5.0 6.4.1).
    must_change_password = models.BooleanField(
        _("must change password at next sign-in"), default=False
    )

    objects = StaffUserManager()

    def save(self, *args: Any, **kwargs: Any) -> None:
        is_admin_role = self.role == Role.ADMIN
        self.is_staff = is_admin_role
        self.is_superuser = is_admin_role
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def can_edit(self) -> bool:
        """Create and change entries."""
        return self.role in {Role.ADMIN, Role.COORDINATOR, Role.DOCUMENTER}

    @property
    def can_see_confidential(self) -> bool:
        """Read identities, contacts, notes, consent details and evidence."""
        return self.role in {Role.ADMIN, Role.COORDINATOR, Role.DOCUMENTER}

    @property
    def can_publish(self) -> bool:
        """Decide publication, export, and manage who may see a restricted entry."""
        return self.role in {Role.ADMIN, Role.COORDINATOR}


class TOTPDevice(models.Model):
    """A time-based one-time password generator enrolled by a user; the secret is encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = EncryptedTextField()
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(default=0)  # refuses a replayed code
    created_at = models.DateTimeField(default=timezone.now)


class RecoveryCode(models.Model):
    """A single-use recovery code, stored only as a salted hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=200)
    used_at = models.DateTimeField(null=True, blank=True)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEvent(models.Model):
    """One thing that happened: who, what, on which object, when. Never a confidential value.

    Each event carries a hash of itself and of the one before, so removing or altering a row
    breaks the chain (checked by ``amparo audit_verify``).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    fields = models.JSONField(default=list, blank=True)  # names of fields, never values
    detail = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")

    def compute_hash(self) -> str:
        """The SHA-256 of this event's content and the previous hash."""
        content = json.dumps(
            [
                self.at.isoformat(),
                self.actor_id,
                self.actor_name,
                self.action,
                self.object_type,
                self.object_id,
                self.fields,
                self.detail,
                self.remote_addr,
                self.previous_hash,
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(content.encode()).hexdigest()
