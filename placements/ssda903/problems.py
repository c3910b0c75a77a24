"""A problem found in an upload: where it is, and what is wrong, in words a data officer can act on.

Messages never carry row contents: the offending value goes in `value` (trimmed), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import SupportsInt, cast

ERROR = "error"
WARNING = "warning"
VALUE_MAX_CHARS = 40


def shown_value(value: object) -> str:
    """The offending value as it may be shown: trimmed to a short, single line."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    if len(text) > VALUE_MAX_CHARS:
        text = text[: VALUE_MAX_CHARS - 1] + "…"
    return text


@dataclass(frozen=True)
class Problem:
    severity: str  # ERROR or WARNING
    message: str
    file: str = ""
    row: int | None = None
    child: str = ""
    column: str = ""
    value: str = ""

    @classmethod
    def error(cls, message: str, **where: object) -> Problem:
        return cls._make(ERROR, message, where)

    @classmethod
    def warning(cls, message: str, **where: object) -> Problem:
        return cls._make(WARNING, message, where)

    @classmethod
    def _make(cls, severity: str, message: str, where: dict[str, object]) -> Problem:
        row = where.get("row")
        return cls(
            severity=severity,
            message=message,
            file=str(where.get("file", "")),
            row=int(cast(SupportsInt, row)) if row is not None else None,
            child=shown_value(where.get("child", "")),
            column=str(where.get("column", "")),
            value=shown_value(where.get("value", "")),
        )

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_line(self) -> str:
        """One line for the command line: file, row, CHILD, column, value, message."""
        row = "" if self.row is None else str(self.row)
        # In an XML file the place is the line of the element, as an editor numbers it.
        place = "line" if (self.file or "").lower().endswith(".xml") else "row"
        return (
            f"{self.severity.upper()}: {self.file or '-'}, {place} {row or '-'}, "
            f"CHILD {self.child or '-'}, {self.column or '-'}, "
            f"value {self.value!r}: {self.message}"
        )
