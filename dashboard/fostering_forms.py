"""The fostering page's one question: how many children to move to in-house foster care."""

from __future__ import annotations

from django import forms

SHIFT_DEFAULT = 5
SHIFT_MAX = 500


class ShiftForm(forms.Form):
    children = forms.IntegerField(
        label="Children moved from agency to in-house foster care",
        min_value=1,
        max_value=SHIFT_MAX,
        initial=SHIFT_DEFAULT,
        error_messages={
            "min_value": "Enter a number of children from 1 to 500.",
            "max_value": "Enter a number of children from 1 to 500.",
            "invalid": "Enter a whole number of children, like 5.",
        },
    )

    def children_asked(self) -> int:
        """The number asked for, or the default when none was (or it was not a number)."""
        return self.cleaned_data["children"] if self.is_valid() else SHIFT_DEFAULT
