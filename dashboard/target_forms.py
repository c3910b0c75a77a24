"""Forms for targets and the monthly commentary: they parse what an officer sends.

Numbers are read as people type them ("1,234", "12.5%"); whether they fit the indicator's unit
is the target's own rule (sufficiency.models.Target.clean), which the form applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django import forms
from django.db import IntegrityError, transaction

from dashboard import wording
from dashboard.forms import DATE_INVALID, DateInput
from placements.models import LocalAuthority
from sufficiency import registry
from sufficiency.declaration import Indicator, Unit
from sufficiency.models import INFO_HAS_NO_TARGET, Commentary, Target

INDICATOR_MISSING = "Choose the indicator the target is for."
INDICATOR_UNKNOWN = "Choose an indicator from the list."
VALUE_MISSING = "Enter the target."
VALUE_INVALID = "Enter the target as a number, for example 12.5."
MARGIN_INVALID = "Enter the amber margin as a number, for example 2."
START_MISSING = "Enter the date the target starts."
DUPLICATE_START = (
    "There is already a target for {name} starting on {date}. "
    "Change that target instead, or choose another start date."
)

COMMENTARY_MAX_CHARS = 2000
COMMENTARY_WARNING = (
    "Shown to committee members: aggregate words only, never name or identify a child."
)
COMMENTARY_HINT = (
    "Up to 2,000 characters, aggregate words only. Leave it empty to remove the commentary."
)
COMMENTARY_TOO_LONG = "Commentary on {name} must be 2,000 characters or fewer; it has {count}."

UNIT_WORDS: dict[Unit, str] = {"percent": "percentage", "count": "number", "rate": "per 10,000"}
VALUE_HINTS: dict[Unit, str] = {
    "percent": "A percentage from 0 to 100, to at most one decimal place, for example 12.5.",
    "count": "A whole number of children, for example 450.",
    "rate": "Children per 10,000, as a whole number, for example 65.",
}
MARGIN_HINTS: dict[Unit, str] = {
    "percent": "In percentage points: 2 means up to 2 points worse than the target is amber.",
    "count": "A whole number: 5 means up to 5 worse than the target is amber.",
    "rate": "Per 10,000, a whole number: 3 means up to 3 per 10,000 worse than the target is "
    "amber.",
}
VALUE_HINT_ANY_UNIT = (
    "In the indicator's unit: a percentage from 0 to 100 (to one decimal place), or a whole "
    "number for a count or a rate per 10,000."
)
MARGIN_HINT_ANY_UNIT = (
    "How much worse than the target still counts as close (amber), in the indicator's unit: "
    "percentage points for a percentage, a whole number for a count or a rate per 10,000. "
    "Leave blank for no amber band."
)
START_HINT = (
    "The target applies to month ends on or after this date, until a later target starts. "
    "For example, 1 April 2025 for the year from April 2025."
)
NOTE_HINT = "Where the target comes from, for example the sufficiency strategy 2025 to 2028."

# "1,234" or "1,234.5": commas as thousands separators, as councils write numbers. Any other
# comma (a decimal comma, say) is left for float() to refuse.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def targetable() -> list[Indicator]:
    """Indicators that can have a target: all but those shown for information only."""
    return [d for d in registry.INDICATORS if d.polarity != "info"]


def margin_text(definition: Indicator | None, margin: float) -> str:
    """An amber margin in the indicator's unit: "2.0 percentage points", "5", "3 per 10,000"."""
    if not margin:
        return "None"
    unit = definition.unit if definition else "count"
    if unit == "percent":
        return f"{margin:.1f} percentage point{'' if margin == 1 else 's'}"
    if definition is None:
        return f"{margin:,g}"
    # The value wording is the margin wording for counts and rates ("5", "3 per 10,000").
    return wording.indicator_value(definition, margin)


def value_text(definition: Indicator | None, value: float | None) -> str:
    if definition is None:
        return "Not available" if value is None else f"{value:,g}"
    return wording.indicator_value(definition, value)


class NumberField(forms.FloatField):
    """A number as people type it: "1,234", "12.5%" and " 40 " are all read."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> float | None:
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
            if _THOUSANDS.match(value):
                value = value.replace(",", "")
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        # 40.0 stored for a count reads back as "40", not "40.0".
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "spellcheck": "false", "class": "input--short"})
        return attrs


class IndicatorField(forms.ChoiceField):
    """The indicators that can have a target; an information-only one is refused by name."""

    def validate(self, value: Any) -> None:
        definition = registry.BY_KEY.get(value)
        if definition is not None and definition.polarity == "info":
            raise forms.ValidationError(
                INFO_HAS_NO_TARGET.format(name=definition.name), code="info"
            )
        super().validate(value)


class TargetForm(forms.ModelForm):
    """Add a target (indicator chosen here) or change one (its indicator stays as it is)."""

    prefix = "target"

    indicator = IndicatorField(
        label="Indicator",
        error_messages={"required": INDICATOR_MISSING, "invalid_choice": INDICATOR_UNKNOWN},
    )
    value = NumberField(
        label="Target",
        help_text=VALUE_HINT_ANY_UNIT,
        error_messages={"required": VALUE_MISSING, "invalid": VALUE_INVALID},
    )
    start_date = forms.DateField(
        label="Start date",
        widget=DateInput(),
        help_text=START_HINT,
        error_messages={"required": START_MISSING, "invalid": DATE_INVALID},
    )
    amber_margin = NumberField(
        label="Amber margin",
        required=False,
        help_text=MARGIN_HINT_ANY_UNIT,
        error_messages={"invalid": MARGIN_INVALID},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=300,
        help_text=NOTE_HINT,
        widget=forms.TextInput(),
    )

    class Meta:
        model = Target
        fields = ["indicator", "value", "start_date", "amber_margin", "note"]

    def __init__(self, *args: Any, la: LocalAuthority, **kwargs: Any) -> None:
        instance: Target | None = kwargs.get("instance")
        if instance is None:
            kwargs["instance"] = Target(la=la)
            # A blank margin reads better than "0" on an empty form; blank still means none.
            kwargs.setdefault("initial", {"amber_margin": ""})
        super().__init__(*args, **kwargs)
        self.la = la
        self.editing = self.instance.pk is not None
        if self.editing:
            del self.fields["indicator"]
            self.definition = registry.BY_KEY.get(self.instance.indicator)
            if self.definition is not None:
                self.fields["value"].help_text = VALUE_HINTS[self.definition.unit]
                self.fields["amber_margin"].help_text = (
                    MARGIN_HINTS[self.definition.unit] + " Leave blank for no amber band."
                )
        else:
            self.definition = None
            self.fields["indicator"].choices = [("", "Choose an indicator")] + [
                (d.key, f"{d.name} ({UNIT_WORDS[d.unit]})") for d in targetable()
            ]

    def clean_amber_margin(self) -> float:
        margin = self.cleaned_data.get("amber_margin")
        return 0.0 if margin is None else margin

    def clean(self) -> dict[str, Any]:
        # The target's own rules (its unit, an indicator for information only) are the model's,
        # checked once the form has filled it in (Target.clean); another target starting on
        # the same day is a matter of other rows, so it is checked here.
        cleaned = super().clean()
        if not self.editing:
            self.definition = registry.BY_KEY.get(cleaned.get("indicator", ""))
        start = cleaned.get("start_date")
        if self.definition is not None and start is not None:
            clash = Target.objects.filter(
                la=self.la, indicator=self.definition.key, start_date=start
            )
            if self.editing:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("start_date", self.duplicate_message())
        return cleaned

    def duplicate_message(self) -> str:
        name = self.definition.name if self.definition else self.instance.indicator
        return DUPLICATE_START.format(
            name=name, date=wording.long_date(self.cleaned_data["start_date"])
        )

    def save_for(self, user: Any) -> Target | None:
        """Save with `user` as the one who set it; None (and an error on the form) when another
        target with the same start was saved in the meantime."""
        target: Target = super().save(commit=False)
        target.set_by = user
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:
            self.add_error("start_date", self.duplicate_message())
            return None
        return target


class CommentaryMonthForm(forms.Form):
    """Which month's commentary to show, and optionally one indicator only (a GET form)."""

    period = forms.TypedChoiceField(label="Month ending", coerce=date.fromisoformat)
    indicator = forms.ChoiceField(label="Indicator", required=False)

    def __init__(self, *args: Any, months: Sequence[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(m.isoformat(), wording.long_date(m)) for m in months]
        self.fields["indicator"].choices = [("", "Every indicator")] + [
            (d.key, d.name) for d in registry.INDICATORS
        ]


class PlainText(forms.CharField):
    """Text with its line endings made plain, so a re-sent, untouched text compares equal."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")


class CommentaryText(PlainText):
    def __init__(self, *, indicator_name: str, **kwargs: Any) -> None:
        self.indicator_name = indicator_name
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "class": "textarea"}))
        super().__init__(required=False, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        # Checked here rather than with maxlength on the textarea: a browser would cut a
        # pasted text short without saying so.
        if len(value) > COMMENTARY_MAX_CHARS:
            raise forms.ValidationError(
                COMMENTARY_TOO_LONG.format(name=self.indicator_name, count=f"{len(value):,}"),
                code="max_length",
            )


class CommentaryForm(forms.Form):
    """One textarea per indicator for one month. Each carries, hidden, the text it was shown
    with, so only the commentary an officer actually changed is written: a colleague's words
    saved on another indicator since the page opened are not overwritten by the stale copy."""

    prefix = "commentary"
    WAS = "{key}__was"

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        indicators: Sequence[Indicator],
        existing: Mapping[str, Commentary],
        hints: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(data)
        hints = hints or {}
        self.indicators = list(indicators)
        for definition in self.indicators:
            current = existing.get(definition.key)
            text = current.text if current else ""
            self.fields[definition.key] = CommentaryText(
                indicator_name=definition.name,
                label=f"Commentary on {definition.name}",
                initial=text,
                help_text=" ".join(filter(None, [hints.get(definition.key), COMMENTARY_HINT])),
            )
            self.fields[self.WAS.format(key=definition.key)] = PlainText(
                required=False, initial=text, widget=forms.HiddenInput()
            )

    def changes(self) -> dict[str, str]:
        """Indicator key -> new text ("" to remove) for each commentary the officer changed."""
        return {
            d.key: self.cleaned_data[d.key]
            for d in self.indicators
            if self.cleaned_data[d.key] != self.cleaned_data[self.WAS.format(key=d.key)]
        }
