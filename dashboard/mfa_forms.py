"""Forms for the second factor: a code from an authenticator app, or a recovery code."""

from __future__ import annotations

import re

from django import forms

CODE_MISSING = "Enter the 6-digit code from your authenticator app."
CODE_INVALID = "Enter the code as 6 digits, for example 123456."
CODE_WRONG = "That code is not right. Enter the code your authenticator app shows now."
CODE_WAIT = "There have been several wrong codes. Wait {seconds} seconds, then enter a new code."
RECOVERY_MISSING = "Enter one of your recovery codes."
RECOVERY_WRONG = "That recovery code is not right, or it has been used already."


def one_time_code_field(*, label: str, help_text: str, missing: str, **attrs: str) -> forms.Field:
    """A short text field that browsers and password managers fill from a one-time code."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        error_messages={"required": missing},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "class": "input input--short",
                "spellcheck": "false",
                **attrs,
            }
        ),
    )


def without_separators(code: str) -> str:
    # People copy codes with spaces, or type them in groups with hyphens.
    return re.sub(r"[\s-]", "", code)


class CodeForm(forms.Form):
    """Six digits, as the app shows them."""

    code = one_time_code_field(
        label="Code from your authenticator app",
        help_text="The 6 digits your app shows for Sufficiency. A new code appears every 30 seconds.",
        missing=CODE_MISSING,
        inputmode="numeric",
    )

    def clean_code(self) -> str:
        code = without_separators(self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(CODE_INVALID)
        return code


class RecoveryCodeForm(forms.Form):
    """A recovery code: letters and digits, so the keyboard is not limited to digits."""

    code = one_time_code_field(
        label="Recovery code",
        help_text="One of the codes you saved when you set up your authenticator app.",
        missing=RECOVERY_MISSING,
        autocapitalize="none",
    )

    def clean_code(self) -> str:
        return without_separators(self.cleaned_data["code"]).lower()
