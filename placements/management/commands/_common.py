"""Argument helpers shared by the records commands."""

import datetime as dt

from django.core.management.base import CommandError

from placements.models import LocalAuthority


def authority(code: str) -> LocalAuthority:
    try:
        return LocalAuthority.objects.get(code=code.strip())
    except LocalAuthority.DoesNotExist:
        raise CommandError(
            f"No local authority with code {code!r}; add it with manage.py add_la."
        ) from None


def iso_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} takes a date as YYYY-MM-DD, not {value!r}.") from None
