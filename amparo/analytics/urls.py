from django.urls import path

from amparo.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.charts, name="charts"),
    path("map.svg", views.world_map, name="map"),
    path("report/", views.situation_report, name="report"),
    path("report.pdf", views.situation_report_pdf, name="report_pdf"),
]
