"""Writing one month's commentary: one write use-case, atomic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from placements.models import LocalAuthority
from sufficiency.models import Commentary


@dataclass(frozen=True)
class CommentaryChanges:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


def save_commentary(
    *,
    la: LocalAuthority,
    period_end: dt.date,
    author: AbstractBaseUser | None,
    texts: Mapping[str, str],
) -> CommentaryChanges:
    """Write each indicator's new text for the month ("" removes it), with `author` as the
    one who changed it; the month's other commentary is left as it is."""
    added = changed = removed = 0
    with transaction.atomic():
        for key, text in texts.items():
            found = Commentary.objects.filter(la=la, indicator=key, period_end=period_end)
            if not text:
                removed += found.delete()[0]
                continue
            _, created = Commentary.objects.update_or_create(
                la=la,
                indicator=key,
                period_end=period_end,
                defaults={"text": text, "author": author},
            )
            added += created
            changed += not created
    return CommentaryChanges(added=added, changed=changed, removed=removed)
