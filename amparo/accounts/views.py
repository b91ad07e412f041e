"""Sign-in, the second factor, and the staff member's own security page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from amparo.accounts import two_factor
from amparo.accounts.audit import record_event
from amparo.accounts.forms import CodeForm
from amparo.accounts.middleware import VERIFIED_KEY
from amparo.accounts.models import AuditEvent

MAX_CODE_FAILURES = 5


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        self.request.session[VERIFIED_KEY] = False
        return redirect("accounts:two_factor") if response.status_code == 302 else response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    response = redirect("accounts:login")
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@login_required
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator on first sign-in, then ask for a code on every sign-in."""
    user = request.user
    if request.session.get(VERIFIED_KEY):
        return redirect("cases:list")
    enrolled = two_factor.has_confirmed_device(user)
    device = user.totp if enrolled else two_factor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if enrolled:
            ok = two_factor.verify_code(device, code) or two_factor.use_recovery_code(user, code)
            if ok:
                return _verified(request, "login.two_factor_ok")
        else:
            codes = two_factor.confirm_enrolment(device, code)
            if codes is not None:
                record_event("two_factor.enrolled", actor=user, obj=user, request=request)
                _mark_verified(request)
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
        failures = request.session.get("amparo_2fa_failures", 0) + 1
        request.session["amparo_2fa_failures"] = failures
        record_event("login.two_factor_failed", actor=user, obj=user, request=request)
        if failures >= MAX_CODE_FAILURES:
            logout(request)
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect("accounts:login")
        form.add_error(
            "code", _("That code is not right. Check your device's clock and try again.")
        )
    context = {"form": form, "enrolled": enrolled}
    if not enrolled:
        context["qr_svg"] = two_factor.provisioning_svg(user, device)
        context["secret"] = device.secret
    return render(request, "accounts/two_factor.html", context)


def _verified(request: HttpRequest, action: str) -> HttpResponse:
    _mark_verified(request)
    record_event(action, actor=request.user, obj=request.user, request=request)
    return redirect("cases:list")


def _mark_verified(request: HttpRequest) -> None:
    request.session.cycle_key()
    request.session[VERIFIED_KEY] = True
    request.session.pop("amparo_2fa_failures", None)


@login_required
def security_view(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own account: role, two-factor status, new recovery codes."""
    codes = None
    if request.method == "POST" and request.POST.get("action") == "recovery_codes":
        codes = two_factor.issue_recovery_codes(request.user)
        record_event("two_factor.recovery_codes_reissued", obj=request.user, request=request)
    remaining = request.user.recovery_codes.filter(used_at__isnull=True).count()
    return render(request, "accounts/security.html", {"codes": codes, "remaining": remaining})


@login_required
def audit_view(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first (administrators only)."""
    if not request.user.is_admin:
        raise PermissionDenied
    events = AuditEvent.objects.select_related("actor")
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "action": action})
