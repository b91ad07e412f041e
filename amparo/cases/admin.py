"""Administration of the register: a read-only index of public coding.

Entries are created and changed through the staff pages, whose services validate and audit
every write; the admin shows no confidential field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from amparo.cases.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("ref", "title", "kind", "country", "year", "status", "published", "restricted")
    list_filter = ("kind", "status", "published", "restricted", "region")
    search_fields = ("ref", "title")
    fields = (
        "ref",
        "kind",
        "title",
        "summary",
        "country",
        "region",
        "year",
        "status",
        "subject_kind",
        "gender",
        "published",
        "restricted",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
