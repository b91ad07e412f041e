from django.urls import path

from amparo.api import views

app_name = "api"

urlpatterns = [
    path("", views.docs, name="docs"),
    path("entries", views.entries, name="entries"),
    path("entries/<str:ref>", views.entry, name="entry"),
    path("openapi.json", views.openapi, name="openapi"),
]
