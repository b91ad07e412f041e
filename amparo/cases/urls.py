from django.urls import path

from amparo.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("<uuid:uuid>/", views.entry_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.entry_edit, name="edit"),
    path(
        "<uuid:uuid>/consents/<str:pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "<uuid:uuid>/evidence/<str:pk>/download/<str:variant>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("<uuid:uuid>/<str:kind>/new/", views.record_new, name="record_new"),
    path("<uuid:uuid>/<str:kind>/<str:pk>/edit/", views.record_edit, name="record_edit"),
    path("<uuid:uuid>/<str:kind>/<str:pk>/delete/", views.record_delete, name="record_delete"),
]
