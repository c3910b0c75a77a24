"""Forms parse and check what a user sends; views only call services with the result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dashboard.wording import long_date
from placements.models import LocalAuthority, Upload
from placements.ssda903.limits import TOTAL_TOO_LARGE, format_size

ACCEPTED_EXTENSIONS = (".csv", ".xlsx", ".xml")
LA_MISSING = "Choose which of your local authorities the extract is for."
AS_AT_MISSING = "Enter the as-at date."
AS_AT_AFTER_TODAY = (
    "The as-at date cannot be after today ({today}): enter the date the extract's data are "
    "correct to."
)
DATE_INVALID = "Enter a real date, for example 31/10/2025."
NO_FILES = "Choose at least one file to upload."
WRONG_FILE_TYPE = 'File "{name}" is not a CSV file, an Excel workbook (.xlsx) or a 903 XML file.'
OVERSIZE_FILE = 'File "{name}" is larger than the {limit} MB limit.'
WINDOW_AND_FULL_HISTORY = (
    "Choose either a window start date or full history, not both: full history has no start."
)
WINDOW_AFTER_AS_AT = "The window start must be on or before the as-at date."
WINDOW_START_HELP = "Leave blank for 1 April of the collection year containing the as-at date"
KIND_MISSING = (
    "Choose what you are uploading: an SSDA903, foster carers or placement costs extract."
)
WINDOW_ONLY_FOR_903 = (
    "Only for an SSDA903 extract. A foster carers or placement costs extract has no window: "
    "these are ignored for it."
)
FILES_HELP = (
    "An SSDA903 extract: its CSV files, an Excel workbook (.xlsx) or the 903 XML file. "
    "A foster carers or placement costs extract: a CSV file or a sheet of an Excel workbook."
)


def over_total() -> str:
    """The refusal of files that together pass settings.UPLOAD_MAX_TOTAL_BYTES."""
    return TOTAL_TOO_LARGE.format(limit=format_size(settings.UPLOAD_MAX_TOTAL_BYTES))


def megabytes(size: int) -> str:
    """A byte count in MB for messages: 52428800 -> "50", 1572864 -> "1.5"."""
    return f"{size / (1024 * 1024):,.1f}".removesuffix(".0")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files and cleans to a list (see Django's upload docs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            super().clean(None, initial)  # raises "required" when the field is required
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # The browser's date picker sends and expects ISO dates whatever the locale.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UploadForm(forms.Form):
    # No authority preselected: loading one council's extract into another's history is the
    # mistake to make hardest.
    la = forms.ModelChoiceField(
        label="Local authority",
        queryset=LocalAuthority.objects.none(),
        empty_label="Choose an authority",
        error_messages={"required": LA_MISSING, "invalid_choice": LA_MISSING},
    )
    kind = forms.ChoiceField(
        label="What are you uploading?",
        choices=Upload.Kind.choices,
        initial=Upload.Kind.SSDA903,
        widget=forms.RadioSelect,
        # Not required: a form posted without it (an older page, a script) means a 903 extract,
        # as it always did.
        required=False,
        error_messages={"invalid_choice": KIND_MISSING},
    )
    as_at = forms.DateField(
        label="As-at date",
        widget=DateInput(),
        error_messages={"required": AS_AT_MISSING, "invalid": DATE_INVALID},
        help_text="The date the data in the extract are correct to.",
    )
    window_start = forms.DateField(
        label="Window start",
        required=False,
        widget=DateInput(),
        help_text=WINDOW_START_HELP,
        error_messages={"invalid": DATE_INVALID},
    )
    full_history = forms.BooleanField(
        label="The files hold the full history (every episode since care began)",
        required=False,
    )
    files = MultipleFileField(
        label="Files",
        error_messages={"required": NO_FILES},
        widget=MultipleFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
        help_text=FILES_HELP,
    )

    def __init__(
        self,
        *args: Any,
        authorities: QuerySet[LocalAuthority],
        oversize: Iterable[str] = (),
        over_total: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.oversize = list(oversize)
        self.over_total = over_total
        if self.oversize or self.over_total:
            # A file refused while streaming never reaches request.FILES; say it was too
            # large (in clean_files) rather than "choose at least one file".
            self.fields["files"].required = False
        self.fields["la"].queryset = authorities
        choices = list(authorities[:2])
        # With one authority there is nothing to choose: the page shows its name instead.
        self.fixed_la: LocalAuthority | None = choices[0] if len(choices) == 1 else None
        if self.fixed_la is not None:
            del self.fields["la"]
        self.fields["files"].help_text += (
            f" Up to {megabytes(settings.UPLOAD_MAX_BYTES)} MB each and "
            f"{megabytes(settings.UPLOAD_MAX_TOTAL_BYTES)} MB in all."
        )
        # The date picker offers no later day; clean_as_at refuses one typed or posted anyway.
        self.fields["as_at"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_as_at(self) -> date:
        as_at: date = self.cleaned_data["as_at"]
        today = timezone.localdate()
        if as_at > today:
            raise forms.ValidationError(
                AS_AT_AFTER_TODAY.format(today=long_date(today)), code="after_today"
            )
        return as_at

    def clean_files(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["files"]
        if self.over_total:
            # The whole upload is refused: what came before the limit is not used either.
            raise forms.ValidationError(over_total(), code="over_total")
        errors = [
            OVERSIZE_FILE.format(name=name, limit=megabytes(settings.UPLOAD_MAX_BYTES))
            for name in self.oversize
        ]
        errors += [
            WRONG_FILE_TYPE.format(name=f.name)
            for f in files
            if PurePath(f.name or "").suffix.lower() not in ACCEPTED_EXTENSIONS
        ]
        if errors:
            raise forms.ValidationError(errors)
        if not files:
            raise forms.ValidationError(NO_FILES, code="required")
        return files

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or Upload.Kind.SSDA903

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.fixed_la is not None:
            cleaned["la"] = self.fixed_la
        as_at: date | None = cleaned.get("as_at")
        window_start: date | None = cleaned.get("window_start")
        if cleaned.get("kind", Upload.Kind.SSDA903) != Upload.Kind.SSDA903:
            # Only a 903 extract has a window; whatever was typed there is left out.
            cleaned["window_start"], cleaned["full_history"] = None, False
            self.errors.pop("window_start", None)
        elif window_start and cleaned.get("full_history"):
            self.add_error("window_start", WINDOW_AND_FULL_HISTORY)
        elif window_start and as_at and window_start > as_at:
            self.add_error("window_start", WINDOW_AFTER_AS_AT)
        return cleaned


class UploadFilterForm(forms.Form):
    """The optional `la` filter on the upload history."""

    la = forms.ModelChoiceField(
        label="Local authority",
        queryset=LocalAuthority.objects.none(),
        required=False,
        empty_label="All authorities",
    )

    def __init__(self, *args: Any, authorities: QuerySet[LocalAuthority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["la"].queryset = authorities

    def selected(self, authorities: Sequence[LocalAuthority]) -> list[LocalAuthority]:
        la = self.cleaned_data.get("la")
        return [la] if la else list(authorities)


def parse_period(raw: str | None) -> date | None:
    """?period=YYYY-MM-DD as a date; None when absent or not a date (the page then shows the
    latest month end)."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def period_options(periods: Sequence[date], selected: date | None) -> SafeString:
    """The <option>s of the month chooser, made here: a history of 30 years has 360 of them,
    and the template language (or format_html) takes many times longer to write them."""
    return mark_safe(  # noqa: S308 - ISO dates and our own date words, escaped
        "".join(
            f'<option value="{day.isoformat()}"{" selected" if day == selected else ""}>'
            f"{escape(long_date(day))}</option>"
            for day in periods
        )
    )


class UndoUploadForm(forms.Form):
    """Why an upload is undone: kept on the upload, for whoever reads the upload history."""

    reason = forms.CharField(
        label="Why is it being undone?",
        help_text="For example: the wrong file was exported. Do not name a child.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class ConfirmUploadForm(forms.Form):
    """Loading an upload awaiting confirmation, as previewed: the preview's history token, and
    for a large change why it is right (kept on the upload)."""

    history_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label="Why is this change right?",
        help_text="Needed for a large change. For example: the case-management system removed "
        "duplicated episodes. Do not name a child.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    checked = forms.BooleanField(
        label="I have checked the warnings above and this extract is right to load",
        required=False,
    )
