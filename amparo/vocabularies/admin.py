"""Reference data for administrators: every change is kept in history (django-simple-history)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from amparo.vocabularies.models import Avenue, Country, Term, TreatyAcceptance


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    list_display = ("vocabulary", "slug", "label_en", "label_fr", "label_es", "deprecated")
    list_filter = ("vocabulary", "deprecated")
    search_fields = ("slug", "label_en", "label_fr", "label_es")
    ordering = ("vocabulary", "position")
    history_list_display = ("label_en", "deprecated")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Slugs are the interchange format's keys (REFERENCE §6): never renamed once stored.
        return ("vocabulary", "slug") if obj is not None else ()


@admin.register(Country)
class CountryAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_en", "un_short_name", "region", "last_verified")
    list_filter = ("region",)
    search_fields = ("code", "alpha2", "name_en", "name_fr", "name_es", "un_short_name")
    history_list_display = ("un_short_name", "region")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ("code",) if obj is not None else ()


@admin.register(Avenue)
class AvenueAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "handbook_section", "last_verified")
    search_fields = ("slug", "name_en", "name_fr", "name_es")
    history_list_display = ("name_en", "last_verified")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ("slug",) if obj is not None else ()


@admin.register(TreatyAcceptance)
class TreatyAcceptanceAdmin(SimpleHistoryAdmin):
    """Ratification and complaints competence per State (HB §3.1): edit status, source, date."""

    list_display = ("country", "body", "procedure", "status", "last_verified")
    list_filter = ("body", "procedure", "status")
    search_fields = ("country__code", "country__name_en", "country__un_short_name", "source")
    list_select_related = ("country",)
    history_list_display = ("status", "source", "last_verified")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The key is what the rules look up: edit the status and its source, never the key.
        return ("country", "body", "procedure") if obj is not None else ()
