"""The form for importing the DfE's published benchmark files: which files, and are they CSV."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from dashboard.forms import (
    OVERSIZE_FILE,
    MultipleFileField,
    MultipleFileInput,
    megabytes,
    over_total,
)

NO_BENCHMARK_FILES = "Choose at least one published CSV file to import."
NOT_CSV = 'File "{name}" is not a CSV file. Download the published files as CSV.'
FILES_HELP = (
    "As downloaded, without editing: Explore Education Statistics' CSV files, the LAIT "
    "looked-after children measures, or a DfE statistical neighbour list. You can choose "
    "several files."
)


class BenchmarkImportForm(forms.Form):
    files = MultipleFileField(
        label="Published files",
        error_messages={"required": NO_BENCHMARK_FILES},
        widget=MultipleFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=FILES_HELP,
    )

    def __init__(
        self, *args: Any, oversize: Iterable[str] = (), over_total: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.oversize = list(oversize)
        self.over_total = over_total
        if self.oversize or self.over_total:
            # A file refused while streaming never reaches request.FILES: say it was too
            # large rather than "choose a file".
            self.fields["files"].required = False
        self.fields["files"].help_text += f" Up to {megabytes(settings.UPLOAD_MAX_BYTES)} MB each."

    def clean_files(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["files"]
        if self.over_total:
            raise forms.ValidationError(over_total(), code="over_total")
        errors = [
            OVERSIZE_FILE.format(name=name, limit=megabytes(settings.UPLOAD_MAX_BYTES))
            for name in self.oversize
        ]
        errors += [
            NOT_CSV.format(name=f.name)
            for f in files
            if PurePath(f.name or "").suffix.lower() != ".csv"
        ]
        if errors:
            raise forms.ValidationError(errors)
        if not files:
            raise forms.ValidationError(NO_BENCHMARK_FILES, code="required")
        return files
