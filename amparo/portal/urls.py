from django.urls import path

from amparo.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("entries/<str:ref>/", views.entry, name="entry"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.jsonl", views.export, {"fmt": "jsonl"}, name="export_jsonl"),
]
