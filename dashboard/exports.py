"""CSV downloads: a byte-order mark, so that Excel reads them as UTF-8 (names, the "…" of
trimmed values), and every cell through placements.csvsafe, so that none runs as a formula."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse

from placements.csvsafe import write_rows


def csv_download(
    *, filename: str, header: list[str], rows: Iterable[Iterable[object]], no_store: bool
) -> HttpResponse:
    """A CSV attachment; `no_store` keeps it out of every cache (named children, small
    numbers)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if no_store:
        headers["Cache-Control"] = "no-store"
    response = HttpResponse(content_type="text/csv; charset=utf-8", headers=headers)
    response.write("\ufeff")
    write_rows(response, header, rows)
    return response
