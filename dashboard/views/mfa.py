"""The second factor's pages (docs/security.md): set up an authenticator app, give its code or a
recovery code after signing in, and make a new set of recovery codes.

Wrong codes count as failed sign-ins for django-axes, so the second factor is locked out exactly
as the password is: per username and address, AXES_FAILURE_LIMIT failures, the same page.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as reset_failures
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from dashboard import mfa
from dashboard.mfa_forms import (
    CODE_WAIT,
    CODE_WRONG,
    RECOVERY_WRONG,
    CodeForm,
    RecoveryCodeForm,
)
from dashboard.middleware import NO_OPTIONAL_FACTOR, client_ip_address, lockout_response

NEW_CODES_MESSAGE = "You have new recovery codes. The ones you had before no longer work."
NO_RECOVERY_CODES = (
    "You have no recovery codes. Ask an administrator of Sufficiency to reset your second factor."
)


def next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is given: ?next= if it is a page of this site (never
    another host, so the form cannot be used to send people elsewhere), else the overview."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url(request)})}"


def _credentials(request: HttpRequest) -> dict[str, str]:
    return {"username": request.user.get_username()}


def _locked_out(request: HttpRequest) -> HttpResponse:
    # Half signed in is not signed in: the password must be given again after the lockout.
    credentials = _credentials(request)
    logout(request)
    return lockout_response(request, None, credentials)


def _wait_seconds(throttle: dict | None) -> int:
    locked_until = (throttle or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def _give_factor(
    request: HttpRequest, device: Device, form: CodeForm | RecoveryCodeForm, wrong: str
) -> HttpResponse | None:
    """Check the form's code against the device: on success mark the session verified and go
    on; on failure count it as a failed sign-in and put the reason on the form (None)."""
    credentials = _credentials(request)
    if AxesProxyHandler.is_locked(request, credentials):
        return _locked_out(request)
    # django-otp's own throttle, per device whatever the address: each failure doubles the wait
    # before the next code is even checked. A code sent during the wait still counts as a
    # failure below, so hurrying does not dodge the lockout.
    allowed, throttle = device.verify_is_allowed()
    if allowed and device.verify_token(form.cleaned_data["code"]):
        otp_login(request, device)
        reset_failures(ip=client_ip_address(request), username=credentials["username"])
        return redirect(next_url(request))
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        return _locked_out(request)
    form.add_error("code", wrong if allowed else CODE_WAIT.format(seconds=_wait_seconds(throttle)))
    return None


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code page after the password: the one every page sends to until it is given."""
    if request.user.is_verified():
        return redirect(next_url(request))
    device = mfa.app_device(request.user)
    if device is None:
        return redirect(_with_next("mfa-enrol", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _give_factor(request, device, form, CODE_WRONG)
        if response is not None:
            return response
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": next_url(request)}
    )


@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    """A recovery code instead of the app's code; each code works once."""
    if request.user.is_verified():
        return redirect(next_url(request))
    device = mfa.recovery_device(request.user)
    form = RecoveryCodeForm(request.POST or None)
    if device is not None and request.method == "POST" and form.is_valid():
        response = _give_factor(request, device, form, RECOVERY_WRONG)
        if response is not None:
            return response
    return render(
        request,
        "registration/mfa_recovery.html",
        {"form": form, "next": next_url(request), "has_codes": device is not None,
         "no_codes": NO_RECOVERY_CODES},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: its QR code and key, and a code from it to confirm.

    Someone with only the password may set up the first app (that is what a first sign-in
    does), never replace one: that would let a stolen password bring its own second factor.
    """
    if mfa.app_device(request.user) is not None and not request.user.is_verified():
        return redirect(_with_next("mfa-verify", request))
    device = mfa.pending_app_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, throttle = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            codes = mfa.confirm_app_device(device=device)
            otp_login(request, device)
            request.session.pop(NO_OPTIONAL_FACTOR, None)
            return render(
                request,
                "registration/mfa_recovery_codes.html",
                {"codes": codes, "next": next_url(request), "first": True},
            )
        form.add_error(
            "code", CODE_WRONG if allowed else CODE_WAIT.format(seconds=_wait_seconds(throttle))
        )
    return render(
        request,
        "registration/mfa_enrol.html",
        {
            "form": form,
            "next": next_url(request),
            "qr_svg": mfa.qr_svg(device),
            "secret": mfa.secret_text(device),
            "required": mfa.required_for(request.user),
        },
    )


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """Sign-in security: whether an app is set up, how many recovery codes are left, and the
    ways to set up an app or make new codes. Where a committee member chooses to enrol."""
    device = mfa.app_device(request.user)
    recovery_device = mfa.recovery_device(request.user) if device else None
    return render(
        request,
        "registration/mfa_account.html",
        {
            "device": device,
            "codes_left": recovery_device.token_set.count() if recovery_device else 0,
            "required": mfa.required_for(request.user),
        },
    )


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, shown once; the old set stops working. Only in a session
    that has given its second factor, so a stolen password cannot mint codes."""
    if mfa.app_device(request.user) is None:
        return redirect("mfa-account")
    if not request.user.is_verified():
        return redirect(f"{reverse('mfa-verify')}?{urlencode({'next': reverse('mfa-account')})}")
    codes = mfa.new_recovery_codes(user=request.user)
    messages.success(request, NEW_CODES_MESSAGE)
    return render(
        request,
        "registration/mfa_recovery_codes.html",
        {"codes": codes, "next": reverse("mfa-account"), "first": False},
    )


urlpatterns = [
    path("accounts/second-factor/", verify, name="mfa-verify"),
    path("accounts/second-factor/set-up/", enrol, name="mfa-enrol"),
    path("accounts/second-factor/recovery/", recovery, name="mfa-recovery"),
    path("accounts/second-factor/recovery-codes/", recovery_codes, name="mfa-recovery-codes"),
    path("accounts/security/", account, name="mfa-account"),
]
