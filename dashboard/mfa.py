"""The second factor (docs/security.md): who owes one, their authenticator app and recovery codes.

Devices are django-otp's: one TOTP device (an authenticator app) and one static device holding
the recovery codes, per user. A TOTP device is unconfirmed from the moment its QR code is shown
until the user types a code it made.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import access

# Roles that can see children's records; the committee may enrol, and then must use it.
REQUIRED_ROLES = frozenset({access.OFFICERS, access.DATA_STAFF, access.ADMIN})
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
QR_TITLE = "QR code of your Sufficiency account, for your authenticator app"


def required_for(user: access.User) -> bool:
    """Whether the user must give a second factor, whether or not they have set one up."""
    return settings.MFA_REQUIRED and access.role_of(user) in REQUIRED_ROLES


def app_device(user: access.User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have set one up."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def pending_app_device(user: access.User) -> TOTPDevice:
    """The unconfirmed device whose QR code the set-up page shows: the same one on every visit
    until it is confirmed, so a reload does not invalidate a code already scanned."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def recovery_device(user: access.User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def secret_text(device: TOTPDevice) -> str:
    """The device's key as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no image request, no CDN)."""
    qr = segno.make(device.config_url, error="m")
    # Dark on white with a quiet zone, whatever the page's colours: cameras need the contrast.
    svg: str = qr.svg_inline(
        scale=5,
        border=4,
        dark="#0b0c0c",
        light="#ffffff",
        title=QR_TITLE,
        svgclass="qr-code__image",
    )
    # Its <title> names it for screen readers once it is announced as an image.
    return svg.replace("<svg ", '<svg role="img" ', 1)


@transaction.atomic
def confirm_app_device(*, device: TOTPDevice) -> list[str]:
    """Confirm a newly scanned device, remove any other app device of its user, and issue
    their recovery codes; returns the codes, which are shown once and never again."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user=device.user)


@transaction.atomic
def new_recovery_codes(*, user: access.User) -> list[str]:
    """A new set of one-use recovery codes for the user; every earlier code stops working."""
    device, _ = StaticDevice.objects.get_or_create(
        user_id=user.pk, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def remove_second_factor(*, user: access.User) -> int:
    """Delete the user's authenticator app and recovery codes (a lost phone): at their next
    sign-in they set up a new app. Returns how many devices were removed."""
    apps = TOTPDevice.objects.filter(user_id=user.pk)
    recovery = StaticDevice.objects.filter(user_id=user.pk)
    removed = apps.count() + recovery.count()
    apps.delete()
    recovery.delete()
    return removed
