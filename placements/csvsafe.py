"""CSV output that a spreadsheet will never execute.

Any CSV the product writes (problem reports, exports) goes through here: a cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with an apostrophe, which
Excel and LibreOffice show as text instead of evaluating it as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_rows(out: IO[str], header: list[str], rows: Iterable[Iterable[object]]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
