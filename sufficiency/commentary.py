"""Writing one month's commentary: one write use-case, atomic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from placements.models import LocalAuthority
from sufficiency.models import Commentary, IndicatorValue


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
    one who changed it and the stored figure it is written against (saving the same words
    again confirms them against the figure now); the month's other commentary is left as it
    is."""
    added = changed = removed = 0
    with transaction.atomic():
        figures = {
            key: (value, numerator, denominator, enough)
            for key, value, numerator, denominator, enough in IndicatorValue.objects.current()
            .filter(la=la, period_end=period_end, indicator__in=list(texts))
            .values_list("indicator", "value", "numerator", "denominator", "enough_history")
        }
        for key, text in texts.items():
            found = Commentary.objects.filter(la=la, indicator=key, period_end=period_end)
            if not text:
                removed += found.delete()[0]
                continue
            _, created = Commentary.objects.update_or_create(
                la=la,
                indicator=key,
                period_end=period_end,
                defaults={"text": text, "author": author, **_written_against(figures.get(key))},
            )
            added += created
            changed += not created
    return CommentaryChanges(added=added, changed=changed, removed=removed)


def _written_against(
    figure: tuple[float | None, int, int, bool] | None,
) -> dict[str, float | int | None]:
    if figure is None or not figure[3]:
        return {"written_value": None, "written_numerator": None, "written_denominator": None}
    value, numerator, denominator, _ = figure
    return {
        "written_value": value,
        "written_numerator": numerator,
        "written_denominator": denominator,
    }
