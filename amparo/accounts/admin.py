"""User management for administrators, in the Django admin (behind the same second factor).

Every change is written to the audit log with field names only. Accounts are deactivated, never
deleted (their audit events keep pointing at them).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from amparo.accounts.audit import record_event
from amparo.accounts.models import User
from amparo.accounts.sessions import end_sessions
from amparo.accounts.two_factor import has_confirmed_device, reset_two_factor

# Fields whose new value is never written to the audit log (only that they changed).
SECRET_FIELDS = {"password", "password1", "password2", "usable_password"}


class StaffCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "role")


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "is_active")


@admin.register(User)
class StaffAdmin(UserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ("username", "role", "is_active", "two_factor", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Access"), {"fields": ("role", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
    actions = ("deactivate", "reset_second_factor")

    @admin.display(boolean=True, description=_("two-step sign-in"))
    def two_factor(self, obj: User) -> bool:
        return has_confirmed_device(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: audit events keep their actor

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.must_change_password = True  # the administrator knows this first password
        super().save_model(request, obj, form, change)
        fields = sorted(
            "password" if name in SECRET_FIELDS else name for name in set(form.changed_data)
        )
        record_event(
            "user.change" if change else "user.create",
            actor=request.user,
            obj=obj,
            fields=sorted(set(fields)),
            detail={"role": obj.role, "active": obj.is_active},
            request=request,
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Django's password form; a password an administrator set must be changed at next use."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            if user.pk != request.user.pk:
                user.must_change_password = True
                user.save(update_fields=["must_change_password"])
                ended = end_sessions(user)
                record_event(
                    "user.password_set",
                    actor=request.user,
                    obj=user,
                    fields=["password"],
                    detail={"sessions_ended": ended},
                    request=request,
                )
        return response

    @admin.action(description=_("Deactivate the selected accounts"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset.filter(is_active=True).exclude(pk=request.user.pk):
            user.is_active = False
            user.save(update_fields=["is_active"])
            end_sessions(user)
            record_event("user.deactivate", actor=request.user, obj=user, request=request)
            count += 1
        if queryset.filter(pk=request.user.pk).exists():
            messages.warning(request, _("You cannot deactivate your own account."))
        self.message_user(
            request,
            ngettext("%(n)d account deactivated.", "%(n)d accounts deactivated.", count)
            % {"n": count},
        )

    @admin.action(description=_("Reset two-step sign-in (lost device)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset:
            if reset_two_factor(user):
                record_event("two_factor.reset", actor=request.user, obj=user, request=request)
                count += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d account will set up two-step sign-in again at next sign-in.",
                "%(n)d accounts will set up two-step sign-in again at next sign-in.",
                count,
            )
            % {"n": count},
        )
