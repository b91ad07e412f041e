"""Sign-in, the second factor, and the staff member's own security page."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from amparo.accounts import two_factor
from amparo.accounts.audit import record_event
from amparo.accounts.forms import CodeForm, ConfirmPasswordForm
from amparo.accounts.middleware import FAILURES_KEY, NEXT_KEY, VERIFIED_KEY, start_clock
from amparo.accounts.models import AuditEvent
from amparo.accounts.sessions import end_sessions, open_sessions

MAX_CODE_FAILURES = 5


class LoginView(auth_views.LoginView):
    """The password step; the session is not verified until the second factor passes."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        next_url = self.get_redirect_url()
        super().form_valid(form)  # signs in and cycles the session key
        self.request.session[VERIFIED_KEY] = False
        if next_url:
            self.request.session[NEXT_KEY] = next_url
        start_clock(self.request)
        return redirect("accounts:two_factor")


def admin_login_view(request: HttpRequest) -> HttpResponse:
    """Where the Django admin sends visitors it refuses: our sign-in, or 403 if signed in."""
    if request.user.is_authenticated:
        raise PermissionDenied  # signed in, but not an administrator
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{reverse('accounts:login')}?{query}" if query else "accounts:login")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out and tell the browser to forget this site's cache, cookies and storage."""
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
            if two_factor.verify_code(device, code):
                return _verified(request, "login.two_factor_ok")
            if two_factor.use_recovery_code(user, code):
                remaining = user.recovery_codes.filter(used_at__isnull=True).count()
                messages.warning(
                    request,
                    _("You signed in with a recovery code. %(n)d remain unused.")
                    % {"n": remaining},
                )
                return _verified(request, "login.recovery_code_used")
        else:
            codes = two_factor.confirm_enrolment(device, code)
            if codes is not None:
                record_event("two_factor.enrolled", actor=user, obj=user, request=request)
                _mark_verified(request)
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
        return _wrong_code(request, form)
    context = {"form": form, "enrolled": enrolled}
    if not enrolled:
        context["qr_svg"] = two_factor.provisioning_svg(user, device)
        context["secret"] = device.secret
    return render(request, "accounts/two_factor.html", context)


def _wrong_code(request: HttpRequest, form: CodeForm) -> HttpResponse:
    user = request.user
    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    record_event("login.two_factor_failed", actor=user, obj=user, request=request)
    if failures >= MAX_CODE_FAILURES:
        username = user.username
        logout(request)
        # Counts against the password lockout too, so guessing codes across sessions stops.
        AxesProxyHandler.update_request(request)
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        messages.error(request, _("Too many wrong codes. Sign in again."))
        return redirect("accounts:login")
    form.add_error(
        "code",
        _(
            "That code is not right, or its 30 seconds ran out. Enter the code your app shows "
            "now; if it keeps failing, check your device's clock."
        ),
    )
    context = {"form": form, "enrolled": two_factor.has_confirmed_device(user)}
    if not context["enrolled"]:
        device = user.totp
        context["qr_svg"] = two_factor.provisioning_svg(user, device)
        context["secret"] = device.secret
    return render(request, "accounts/two_factor.html", context)


def _verified(request: HttpRequest, action: str) -> HttpResponse:
    _mark_verified(request)
    record_event(action, actor=request.user, obj=request.user, request=request)
    next_url = request.session.pop(NEXT_KEY, "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("cases:list")


def _mark_verified(request: HttpRequest) -> None:
    request.session.cycle_key()
    request.session[VERIFIED_KEY] = True
    request.session.pop(FAILURES_KEY, None)
    # The full sign-in succeeded: clear this account's failures from this address.
    AxesProxyHandler.update_request(request)
    axes_reset(ip=request.axes_ip_address, username=request.user.get_username())


@login_required
def security_view(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own account: role, second factor, password and open sessions."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    codes = None
    password_form = PasswordChangeForm(user, request.POST if action == "password" else None)
    sessions_form = ConfirmPasswordForm(user, request.POST if action == "end_sessions" else None)
    # ASVS 7.5.1: new recovery codes replace a factor, so the password is asked again.
    codes_form = ConfirmPasswordForm(
        user, request.POST if action == "recovery_codes" else None, prefix="codes"
    )
    if action == "recovery_codes" and codes_form.is_valid():
        codes = two_factor.issue_recovery_codes(user)
        record_event("two_factor.recovery_codes_reissued", obj=user, request=request)
    elif action == "password" and password_form.is_valid():
        password_form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)  # this session stays; the others end
        ended = end_sessions(user, keep=request.session.session_key)
        record_event("password.change", obj=user, request=request, detail={"sessions_ended": ended})
        messages.success(request, _("Your password was changed. Your other sessions ended."))
        return redirect("accounts:security")
    elif action == "end_sessions" and sessions_form.is_valid():
        ended = end_sessions(user, keep=request.session.session_key)
        record_event("sessions.end_others", obj=user, request=request, detail={"ended": ended})
        messages.success(
            request,
            ngettext("%(n)d other session ended.", "%(n)d other sessions ended.", ended)
            % {"n": ended},
        )
        return redirect("accounts:security")
    context = {
        "codes": codes,
        "remaining": user.recovery_codes.filter(used_at__isnull=True).count(),
        "password_form": password_form,
        "sessions_form": sessions_form,
        "codes_form": codes_form,
        "sessions": open_sessions(user, request.session.session_key),
    }
    return render(request, "accounts/security.html", context)


@login_required
def audit_view(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first (administrators only)."""
    if not request.user.is_admin:
        raise PermissionDenied
    events = AuditEvent.objects.select_related("actor")
    action = request.GET.get("action", "")[:40]
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "action": action})
