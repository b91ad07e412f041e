"""A URL configuration for the logging tests only: a view that fails with a confidential message."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

SECRET = "CANARY-LOG-Ana-Prueba-4e1f"


def failing(request: HttpRequest) -> HttpResponse:
    subject_name = SECRET  # noqa: F841 - a local a traceback would show
    raise RuntimeError(f"could not save {SECRET}")


urlpatterns = [path("boom/", failing)]

handler500 = "amparo.security.views.server_error"
