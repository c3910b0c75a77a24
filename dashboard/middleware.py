"""Request plumbing for security: response headers, session time limits, the second factor,
and the two hooks django-axes calls (the client's address, and the page a locked-out user
sees)."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import mfa

SIGNED_IN_AT = "_sufficiency_signed_in_at"
LAST_SEEN_AT = "_sufficiency_last_seen_at"
# Recording every request would write the session on every page and poll; a minute's
# precision is plenty for a timeout measured in tens of minutes.
LAST_SEEN_PRECISION_SECONDS = 60

IDLE_MESSAGE = "You were signed out after {minutes} minutes without activity. Sign in again."
LIFETIME_MESSAGE = "You were signed out because you signed in {hours} hours ago. Sign in again."
LOCKED_OUT_TEMPLATE = "registration/locked_out.html"
# Pages a signed-in user who still owes a second factor may open: giving it, and leaving.
SECOND_FACTOR_PAGES = frozenset({"mfa-verify", "mfa-enrol", "mfa-recovery", "login", "logout"})
# Set in the session of a committee member found to have no authenticator app, so that their
# pages do not look for one on every request.
NO_OPTIONAL_FACTOR = "_sufficiency_no_optional_factor"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    Django 5.2 has no CSP of its own. A view that sets either header itself keeps its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SessionTimeoutMiddleware:
    """Sign out a session idle for SESSION_IDLE_TIMEOUT (0: never), or older than
    SESSION_COOKIE_AGE, both in seconds.

    Django alone offers one or the other: its expiry date moves forward whenever the session is
    saved, so it is neither a fixed lifetime nor (without a write on every request) an idle
    limit. Both are kept here, as timestamps in the session itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:
            # The first request after signing in.
            session[SIGNED_IN_AT] = signed_in_at = now
            session[LAST_SEEN_AT] = last_seen_at = now
        idle_timeout = settings.SESSION_IDLE_TIMEOUT
        if idle_timeout and now - last_seen_at > idle_timeout:
            self._sign_out(request, IDLE_MESSAGE.format(minutes=idle_timeout // 60))
        elif now - signed_in_at > settings.SESSION_COOKIE_AGE:
            self._sign_out(
                request, LIFETIME_MESSAGE.format(hours=settings.SESSION_COOKIE_AGE // 3600)
            )
        elif now - last_seen_at >= LAST_SEEN_PRECISION_SECONDS:
            session[LAST_SEEN_AT] = now

    @staticmethod
    def _sign_out(request: HttpRequest, message: str) -> None:
        # The user is now anonymous, so LoginRequiredMiddleware sends them to the sign-in page
        # with ?next= for where they were going.
        logout(request)
        messages.info(request, message)


class SecondFactorMiddleware:
    """Send a signed-in user who owes a second factor, and has not given it this session, to
    the page that asks for it (or sets it up), with ?next= for where they were going.

    It is owed, with MFA_REQUIRED on, by everyone who can see children's records, and by a
    committee member who has chosen to set up an authenticator app. After django-otp's
    OTPMiddleware (which knows whether the session is verified) and LoginRequiredMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not settings.MFA_REQUIRED or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        giving_it = match is not None and match.url_name in SECOND_FACTOR_PAGES
        if giving_it and match.url_name in {"login", "logout"}:
            return None
        if not mfa.required_for(user) and not self._has_optional_factor(request):
            return None
        # The page template leaves out the navigation, every link of which would send back here.
        request.owes_second_factor = True  # type: ignore[attr-defined]
        if giving_it:
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('mfa-verify')}?{query}")

    @staticmethod
    def _has_optional_factor(request: HttpRequest) -> bool:
        if request.session.get(NO_OPTIONAL_FACTOR):
            return False
        has = TOTPDevice.objects.filter(user_id=request.user.pk, confirmed=True).exists()
        if not has:
            request.session[NO_OPTIONAL_FACTOR] = True
        return has


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address for django-axes: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT
    proxies, the X-Forwarded-For entry our outermost proxy wrote.

    Each proxy appends the address it was reached from, so entries further left than ours are
    whatever the client chose to send and are never trusted.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote_addr
    candidate = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        # Stored in an inet column: anything else would fail the sign-in with a server error.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page shown instead of signing in while a username is locked out from an address."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    return render(
        request,
        LOCKED_OUT_TEMPLATE,
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
