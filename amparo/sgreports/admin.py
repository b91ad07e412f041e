from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from amparo.sgreports.models import Report


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = ("symbol", "year", "hrc_session", "layout_era", "call_for_submissions")
    search_fields = ("symbol",)
