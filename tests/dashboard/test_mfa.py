"""The second factor: who is asked for it, setting up an app, codes right and wrong, recovery
codes, the lockout, and the admin's reset."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import mfa
from dashboard.management.commands.reset_second_factor import RESET_DONE
from dashboard.mfa_forms import CODE_INVALID, CODE_WRONG, RECOVERY_WRONG
from dashboard.views.mfa import NEW_CODES_MESSAGE
from placements.models import LocalAuthority
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture(autouse=True)
def second_factor_on(settings) -> None:
    settings.MFA_REQUIRED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 1.0
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def officer(make_user, la: LocalAuthority) -> AbstractBaseUser:
    return make_user("officers", la, username="officer")


@pytest.fixture
def committee_member(make_user, la: LocalAuthority) -> AbstractBaseUser:
    return make_user("committee", la, username="councillor")


def signed_in(username: str) -> Client:
    """A client that has signed in with the password, as a person does, and nothing more."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or `steps_ahead` periods later)."""
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
        drift=device.drift + steps_ahead,
    )  # fmt: skip
    return f"{value:0{device.digits}d}"


def wrong_code_of(device: TOTPDevice) -> str:
    # A code the device accepts neither now nor a step either side (its tolerance).
    accepted = {code_of(device, step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def enrolled(user: AbstractBaseUser) -> tuple[TOTPDevice, list[str]]:
    """An app set up for `user`, as the set-up page leaves it, and their recovery codes."""
    device = mfa.pending_app_device(user)
    return device, mfa.confirm_app_device(device=device)


def give_code(client: Client, code: str, next_url: str = "/") -> HttpResponse:
    return client.post(reverse("mfa-verify"), {"code": code, "next": next_url})


def test_officer_without_app_sent_to_set_up_after_password(officer) -> None:
    client = signed_in("officer")
    response = client.get("/", follow=True)
    assert response.redirect_chain == [
        (f"{reverse('mfa-verify')}?next=%2F", 302),
        (f"{reverse('mfa-enrol')}?next=%2F", 302),
    ]
    text = page_text(response)
    assert "Set up your authenticator app" in text
    assert "<svg" in response.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert mfa.secret_text(device) in text


def test_officer_without_app_cannot_reach_overview_or_admin(officer) -> None:
    client = signed_in("officer")
    for path in ("/", reverse("dashboard-uploads"), "/admin/", reverse("mfa-account")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa-verify"))


def test_set_up_with_right_code_shows_ten_recovery_codes_and_lets_in(officer) -> None:
    client = signed_in("officer")
    client.get(reverse("mfa-enrol"))
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post(reverse("mfa-enrol"), {"code": code_of(device), "next": "/"})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    assert "Your authenticator app is set up." in page_text(response)
    assert client.get("/").status_code == 200


def test_set_up_with_wrong_code_refused_with_message(officer) -> None:
    client = signed_in("officer")
    client.get(reverse("mfa-enrol"))
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post(reverse("mfa-enrol"), {"code": wrong_code_of(device)})
    assert CODE_WRONG in page_text(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302


def test_set_up_refused_to_replace_an_app_without_its_code(officer) -> None:
    # Someone with the password alone must not bring their own app.
    enrolled(officer)
    client = signed_in("officer")
    response = client.get(reverse("mfa-enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_officer_with_app_asked_for_code_after_password(officer) -> None:
    enrolled(officer)
    client = signed_in("officer")
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(f"{reverse('mfa-verify')}?next=%2F", 302)]
    assert "Enter the code from your authenticator app" in page_text(response)
    field = re.search(r'<input[^>]*name="code"[^>]*>', response.content.decode()).group(0)
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field


def test_code_wrong_refused_with_message(officer) -> None:
    device, _ = enrolled(officer)
    client = signed_in("officer")
    response = give_code(client, wrong_code_of(device))
    assert response.status_code == 200
    assert CODE_WRONG in page_text(response)
    assert client.get("/").status_code == 302


def test_code_not_six_digits_refused_with_message(officer) -> None:
    enrolled(officer)
    client = signed_in("officer")
    assert CODE_INVALID in page_text(give_code(client, "12345"))


def test_code_right_lets_in_and_goes_where_they_were_going(officer) -> None:
    device, _ = enrolled(officer)
    client = signed_in("officer")
    uploads = reverse("dashboard-uploads")
    response = give_code(client, code_of(device), next_url=uploads)
    assert response.status_code == 302 and response["Location"] == uploads
    assert client.get(uploads).status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_code_right_never_sends_to_another_site(officer, next_url) -> None:
    device, _ = enrolled(officer)
    response = give_code(signed_in("officer"), code_of(device), next_url=next_url)
    assert response["Location"] == reverse("dashboard-index")


def test_code_used_once_refused_in_another_session(officer) -> None:
    device, _ = enrolled(officer)
    code = code_of(device)
    assert give_code(signed_in("officer"), code).status_code == 302
    other = signed_in("officer")
    assert CODE_WRONG in page_text(give_code(other, code))


def test_recovery_code_works_once_only(officer) -> None:
    _, codes = enrolled(officer)
    client = signed_in("officer")
    response = client.post(reverse("mfa-recovery"), {"code": codes[0].upper(), "next": "/"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    again = signed_in("officer")
    response = again.post(reverse("mfa-recovery"), {"code": codes[0], "next": "/"})
    assert RECOVERY_WRONG in page_text(response)
    assert again.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=officer).count() == len(codes) - 1


def test_new_recovery_codes_void_the_old_set(officer) -> None:
    device, old_codes = enrolled(officer)
    client = signed_in("officer")
    give_code(client, code_of(device))
    response = client.post(reverse("mfa-recovery-codes"))
    assert NEW_CODES_MESSAGE in page_text(response)
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new_codes) == mfa.RECOVERY_CODE_COUNT
    other = signed_in("officer")
    refused = other.post(reverse("mfa-recovery"), {"code": old_codes[0]})
    assert RECOVERY_WRONG in page_text(refused)
    # django-otp makes the next try wait a second after a failure; a person would take longer.
    StaticDevice.objects.filter(user=officer).update(throttling_failure_count=0)
    assert other.post(reverse("mfa-recovery"), {"code": new_codes[0]}).status_code == 302


def test_new_recovery_codes_refused_before_second_factor(officer) -> None:
    _, codes = enrolled(officer)
    response = signed_in("officer").post(reverse("mfa-recovery-codes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)


def test_committee_member_not_asked_for_second_factor(committee_member) -> None:
    client = signed_in("councillor")
    assert client.get("/").status_code == 200
    response = client.get(reverse("mfa-account"))
    assert "Set up an authenticator app" in page_text(response)


def test_committee_member_who_set_up_an_app_asked_for_code(committee_member) -> None:
    device, _ = enrolled(committee_member)
    client = signed_in("councillor")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    give_code(client, code_of(device))
    assert client.get("/").status_code == 200


def test_mfa_required_off_means_no_second_step(officer, settings) -> None:
    settings.MFA_REQUIRED = False
    enrolled(officer)
    client = signed_in("officer")
    assert client.get("/").status_code == 200


def test_sign_out_works_before_second_factor(officer) -> None:
    client = signed_in("officer")
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_code_wrong_five_times_locks_out_like_the_password(officer) -> None:
    device, _ = enrolled(officer)
    client = signed_in("officer")
    for _ in range(4):
        assert give_code(client, wrong_code_of(device)).status_code == 200
    response = give_code(client, wrong_code_of(device))
    assert response.status_code == 429
    assert "Account locked" in page_text(response)
    assert "_auth_user_id" not in client.session
    # The lockout is the password's too: even the right password is refused now.
    refused = Client().post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert "Account locked" in page_text(refused)


def test_code_wrong_then_right_in_a_hurry_asked_to_wait(officer) -> None:
    device, _ = enrolled(officer)
    client = signed_in("officer")
    give_code(client, wrong_code_of(device))
    response = give_code(client, code_of(device))
    assert "Wait" in page_text(response) and "seconds, then enter a new code" in page_text(response)
    assert client.get("/").status_code == 302


def test_code_right_clears_earlier_failures(officer) -> None:
    device, _ = enrolled(officer)
    client = signed_in("officer")
    for _ in range(3):
        give_code(client, wrong_code_of(device))
    # As if they had waited out django-otp's doubling delay.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    assert give_code(client, code_of(device)).status_code == 302
    client.post(reverse("logout"))
    again = signed_in("officer")
    for _ in range(4):
        assert give_code(again, wrong_code_of(device)).status_code == 200


def test_reset_second_factor_sends_user_to_set_up_again(officer) -> None:
    enrolled(officer)
    out = io.StringIO()
    call_command("reset_second_factor", "officer", stdout=out)
    assert RESET_DONE.format(name="officer") in out.getvalue()
    response = signed_in("officer").get("/", follow=True)
    assert "Set up your authenticator app" in page_text(response)


def test_verified_session_ends_when_device_is_deleted(officer) -> None:
    device, _ = enrolled(officer)
    client = signed_in("officer")
    give_code(client, code_of(device))
    assert client.session[DEVICE_ID_SESSION_KEY]
    mfa.remove_second_factor(user=officer)
    assert client.get("/").status_code == 302


def test_admin_lists_devices_without_their_keys(officer, make_user, la) -> None:
    device, codes = enrolled(officer)
    admin_user = make_user(None, is_staff=True, is_superuser=True, username="root")
    client = Client()
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrolled(admin_user)[0].persistent_id
    session.save()
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200 and "officer" in page_text(listing)
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200
    assert device.key not in change.content.decode()
    tokens = client.get(reverse("admin:otp_static_staticdevice_changelist"))
    assert not any(code in tokens.content.decode() for code in codes)
