"""The filters of the providers page: a GET form, so a filtered list can be bookmarked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

ANY_TYPE = "Any type"
ANY_GRADE = "Any grade"
ANYWHERE = "Anywhere"
NOT_INSPECTED = "Not inspected"
INSIDE, OUTSIDE, NEAR = "inside", "outside", "near"


class ProviderFilterForm(forms.Form):
    """Provider type, inspection grade and location; the choices are those of the providers
    listed, so a filter never offers something that would show nothing."""

    provider_type = forms.ChoiceField(label="Provider type", required=False)
    grade = forms.ChoiceField(label="Inspection grade", required=False)
    location = forms.ChoiceField(label="Location", required=False)

    def __init__(
        self,
        *args: Any,
        types: Iterable[str] = (),
        grades: Iterable[str] = (),
        la_name: str = "the authority",
        within_miles: float = 20.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider_type"].choices = [("", ANY_TYPE), *((t, t) for t in types)]
        self.fields["grade"].choices = [("", ANY_GRADE), *((g, g) for g in grades)]
        self.fields["location"].choices = [
            ("", ANYWHERE),
            (INSIDE, f"Inside {la_name}"),
            (OUTSIDE, f"Outside {la_name}"),
            (NEAR, f"Within {within_miles:g} miles of {la_name}"),
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "select"

    def filters(self) -> dict[str, str]:
        """The filters chosen; a choice no longer offered (an old bookmark) is left out."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if value}
