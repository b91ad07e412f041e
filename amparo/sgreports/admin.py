from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from amparo.sgreports.models import Report


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    """The report registry (HB §3.5): edited here without a code change, every change in history.

    An edit made here is never overwritten by the shipped data on upgrade."""

    list_display = (
        "symbol",
        "year",
        "hrc_session",
        "layout_era",
        "call_for_submissions",
        "interactive_dialogue",
        "verified",
        "last_verified",
    )
    list_filter = ("verified", "layout_era")
    search_fields = ("symbol",)
    fieldsets = (
        (None, {"fields": ("symbol", "year", "hrc_session", "layout_era")}),
        (
            _("Dates"),
            {
                "fields": (
                    "reporting_period_start",
                    "reporting_period_end",
                    "call_for_submissions",
                    "interactive_dialogue",
                )
            },
        ),
        (_("Sources"), {"fields": ("verified", "last_verified", "source", "note")}),
    )
