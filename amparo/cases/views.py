"""Staff pages of the case register: thin views over queries, services and access."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from amparo.cases.access import entries_for_user, get_entry_for_user


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    entries = entries_for_user(request.user).order_by("-id")[:50]
    return render(request, "cases/list.html", {"entries": entries})


@login_required
def entry_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, uuid)
    return render(request, "cases/detail.html", {"entry": entry})


@login_required
def entry_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_edit:
        raise PermissionDenied
    return render(request, "cases/form.html", {})
