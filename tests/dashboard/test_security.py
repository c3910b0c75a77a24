"""Signing in and staying signed in: lockouts, session limits, security headers, and the
production settings that `check --deploy` judges."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from dashboard import middleware
from placements.models import LocalAuthority
from tests.helpers import client_for, page_words

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's
WRONG = "incorrect horse"
BASE_DIR = Path(django_settings.BASE_DIR)


def sign_in(client: Client, username: str, password: str, **extra: str) -> HttpResponse:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, **extra: str) -> HttpResponse:
    response = HttpResponse()
    for _ in range(times):
        response = sign_in(client, username, WRONG, **extra)
    return response


@pytest.fixture(autouse=True)
def security_defaults(settings) -> None:
    """The defaults, whatever the environment running the tests says."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 1.0
    settings.TRUSTED_PROXY_COUNT = 0
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60


@pytest.fixture
def officer(make_user, la: LocalAuthority) -> AbstractBaseUser:
    return make_user("officers", la, username="officer")


@pytest.fixture
def colleague(make_user, la: LocalAuthority) -> AbstractBaseUser:
    return make_user("officers", la, username="colleague")


# Lockout (django-axes) ---------------------------------------------------------------------


def test_sign_in_with_right_password_succeeds(client, officer) -> None:
    response = sign_in(client, "officer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard-index")
    assert is_signed_in(client)


def test_sign_in_fewer_failures_than_limit_not_locked(client, officer) -> None:
    response = fail(client, "officer", 4)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in page_words(response)
    assert sign_in(client, "officer", PASSWORD).status_code == 302


def test_sign_in_after_limit_refused_even_with_right_password(client, officer) -> None:
    assert fail(client, "officer", 5).status_code == 429
    response = sign_in(client, "officer", PASSWORD)
    assert response.status_code == 429
    text = page_words(response)
    assert "Account locked" in text
    assert "locked for 60 minutes" in text
    assert "contact an administrator" in text
    assert not is_signed_in(client)


def test_sign_in_lockout_names_configured_cool_off(client, officer, settings) -> None:
    settings.AXES_COOLOFF_TIME = 0.25
    settings.AXES_FAILURE_LIMIT = 2
    response = fail(client, "officer", 2)
    assert response.status_code == 429
    assert "locked for 15 minutes" in page_words(response)


def test_sign_in_lockout_spares_other_user_on_same_address(client, officer, colleague) -> None:
    fail(client, "officer", 5)
    assert sign_in(client, "colleague", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_sign_in_lockout_spares_same_user_at_other_address(client, officer) -> None:
    fail(client, "officer", 5, REMOTE_ADDR="10.0.0.1")
    assert sign_in(client, "officer", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_sign_in_success_resets_failures(client, officer) -> None:
    fail(client, "officer", 4)
    assert sign_in(client, "officer", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "officer", 4).status_code == 200
    assert sign_in(client, "officer", PASSWORD).status_code == 302


def test_sign_in_forwarded_for_ignored_without_trusted_proxy(client, officer) -> None:
    fail(client, "officer", 5, HTTP_X_FORWARDED_FOR="198.51.100.1")
    response = sign_in(client, "officer", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429


def test_sign_in_forwarded_for_used_behind_trusted_proxy(client, officer, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    fail(client, "officer", 5, HTTP_X_FORWARDED_FOR="198.51.100.1")
    # A client cannot escape by prepending an address: our proxy's entry is the last one.
    spoofed = sign_in(client, "officer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")
    assert spoofed.status_code == 429
    elsewhere = sign_in(client, "officer", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, "203.0.113.9, 198.51.100.1", "198.51.100.1"),
        (2, "203.0.113.9, 198.51.100.1, 10.0.0.5", "198.51.100.1"),
        (2, "198.51.100.1", "198.51.100.1"),
        (1, "not-an-address", "192.0.2.1"),
    ],
)
def test_client_ip_address_from_trusted_proxies(settings, count, forwarded, expected) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert middleware.client_ip_address(request) == expected


def test_failed_sign_in_logs_neither_password_nor_username(client, officer, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        fail(client, "officer", 5)
    assert caplog.records
    assert WRONG not in caplog.text
    assert '"officer"' not in caplog.text


# Session limits ----------------------------------------------------------------------------


def signed_in_client(user: AbstractBaseUser) -> Client:
    client = client_for(user)
    # The first request after signing in starts the clocks.
    assert client.get(reverse("dashboard-index")).status_code == 200
    return client


def move_clock(client: Client, key: str, seconds_ago: int) -> None:
    session = client.session
    session[key] -= seconds_ago
    session.save()


def assert_sent_to_sign_in(response: HttpResponse) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_session_idle_too_long_sent_to_sign_in(officer) -> None:
    client = signed_in_client(officer)
    move_clock(client, middleware.LAST_SEEN_AT, 30 * 60 + 1)
    response = client.get(reverse("dashboard-index"))
    assert_sent_to_sign_in(response)
    assert not is_signed_in(client)
    page = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in page_words(page)


def test_session_active_within_idle_timeout_kept(officer) -> None:
    client = signed_in_client(officer)
    move_clock(client, middleware.LAST_SEEN_AT, 29 * 60)
    assert client.get(reverse("dashboard-index")).status_code == 200
    # The request counted as activity, so the clock restarted.
    last_seen = client.session[middleware.LAST_SEEN_AT]
    assert last_seen >= client.session[middleware.SIGNED_IN_AT]


def test_session_older_than_cookie_age_sent_to_sign_in(officer) -> None:
    client = signed_in_client(officer)
    move_clock(client, middleware.SIGNED_IN_AT, 8 * 60 * 60 + 1)
    response = client.get(reverse("dashboard-index"))
    assert_sent_to_sign_in(response)
    assert "signed out because you signed in 8 hours ago" in page_words(
        client.get(response["Location"])
    )


def test_session_idle_timeout_zero_never_expires(officer, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 0
    client = signed_in_client(officer)
    move_clock(client, middleware.LAST_SEEN_AT, 7 * 60 * 60)
    assert client.get(reverse("dashboard-index")).status_code == 200


def test_session_expired_in_store_sent_to_sign_in(officer) -> None:
    client = signed_in_client(officer)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    # Sessions are read through the cache, whose copy expires with the session itself.
    cache.clear()
    assert_sent_to_sign_in(client.get(reverse("dashboard-index")))


def test_session_cookie_ends_with_browser(client, officer) -> None:
    sign_in(client, "officer", PASSWORD)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert not cookie["max-age"] and not cookie["expires"]


# Security headers --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/"])
def test_security_headers_on_every_response(client, path) -> None:
    response = client.get(path)
    assert response["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_security_headers_csp_allows_no_inline_script() -> None:
    directives = dict(
        part.strip().split(" ", 1) for part in django_settings.CONTENT_SECURITY_POLICY.split(";")
    )
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_security_headers_on_lockout_page(client, officer) -> None:
    response = fail(client, "officer", 5)
    assert response.status_code == 429
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_templates_have_no_inline_scripts() -> None:
    # script-src 'self' blocks inline scripts and on* handlers: they would silently not run.
    inline_script = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in sorted((BASE_DIR / "templates").rglob("*.html"))
        if inline_script.search(text := path.read_text()) or handler.search(text)
    ]
    assert offenders == []


# Production settings (DJANGO_DEBUG=False), in a fresh process ------------------------------


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org,testserver",
        # Nothing here touches a database; a private file keeps it that way if one did.
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **extra,
    )
    return env


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_check_deploy_passes(tmp_path) -> None:
    result = run_python(
        production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
secure = Client().get("/", secure=True)
plain = Client().get("/")
print(json.dumps({
    "secure_status": secure.status_code,
    "secure_headers": dict(secure.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
}))
"""


def test_production_responses_carry_hsts_and_csp(tmp_path) -> None:
    result = run_python(production_env(tmp_path), "-c", PRODUCTION_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = probe["secure_headers"]
    assert probe["secure_status"] == 302  # to the sign-in page
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert probe["plain_status"] == 301
    assert probe["plain_location"].startswith("https://")
    assert probe["session_cookie_secure"] and probe["csrf_cookie_secure"]


def test_production_without_secret_key_refuses_to_start(tmp_path) -> None:
    env = production_env(tmp_path)
    env.pop("SECRET_KEY")
    result = run_python(env, "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
