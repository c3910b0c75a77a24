"""The overview's and the indicator pages' content, kept in the cache under a key naming all it
shows, so a repeated view costs one query instead of the whole read (docs/page-cache.md).

What is cached is the page's content block alone, rendered without the user: the header (who
is signed in, the sign-out form's CSRF token), the menu, messages, the stale-figures banner and
the data-as-at line are rendered fresh on every request around it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from dashboard import access
from placements.models import ImportLog, LocalAuthority
from sufficiency.models import Commentary, Computation, Target
from sufficiency.registry import DEFINITIONS_VERSION

# The query parameters a cached page may have: both are part of the key. Any other (a table's
# sort or page, an export) means the page is worked out afresh.
KEYED_PARAMETERS = frozenset({"la", "period"})


def _stamp_sql() -> str:
    runs = Computation._meta.db_table
    latest = f"FROM {runs} WHERE la_id = la.id ORDER BY started_at DESC, id DESC LIMIT 1"
    targets, commentary = Target._meta.db_table, Commentary._meta.db_table
    imports = ImportLog._meta.db_table
    return f"""
        SELECT
            (SELECT id {latest}), (SELECT status {latest}), (SELECT final {latest}),
            (SELECT finished_at {latest}),
            (SELECT MAX(finished_at) FROM {runs} WHERE la_id = la.id AND status = %s),
            (SELECT COUNT(*) FROM {targets} WHERE la_id = la.id),
            (SELECT MAX(updated_at) FROM {targets} WHERE la_id = la.id),
            (SELECT COUNT(*) FROM {commentary} WHERE la_id = la.id),
            (SELECT MAX(updated_at) FROM {commentary} WHERE la_id = la.id),
            (SELECT MAX(id) FROM {imports} WHERE importer = %s),
            la.name, la.code
        FROM {LocalAuthority._meta.db_table} la WHERE la.id = %s
    """  # noqa: S608 - table names from the models; every value is a parameter


# Raw SQL: built with the ORM, a dozen subqueries cost more Python per request than the page
# saved by the cache is worth.
_STAMP_SQL = _stamp_sql()


def stamp(la: LocalAuthority) -> tuple[object, ...]:
    """Everything stored that the pages of `la` show, in one query: its latest computation
    (a recompute, after an upload or an undo, is the only writer of its values; its status is
    also the stale-figures banner's), when its figures were last worked out, its targets and
    commentary (count and last change, so that a deletion counts too), the latest import of
    published figures and neighbour lists, and its own name and code."""
    params = [Computation.Status.DONE.value, ImportLog.Importer.BENCHMARKS.value, la.pk]
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL, params)
        row = cursor.fetchone()
    return tuple(row or ())


def page_key(
    request: HttpRequest, *, page: str, la: LocalAuthority, authorities: Sequence[LocalAuthority]
) -> str | None:
    """The cache key of `page` for this request, or None when it must not be cached (caching
    off, or a query parameter the key does not name)."""
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
        return None
    if not set(request.GET) <= KEYED_PARAMETERS:
        return None
    parts = (
        DEFINITIONS_VERSION,
        page,
        la.pk,
        # The role decides suppression and which links the content offers.
        access.role_of(request.user),
        request.GET.get("la", ""),
        request.GET.get("period", ""),
        # The authority chooser lists the user's authorities.
        tuple((a.pk, a.name, a.code) for a in authorities),
        stamp(la),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"page:{page}:{la.pk}:{digest}"


def cached_content(key: str | None, render: Callable[[], str]) -> SafeString:
    """The content under `key`, else `render()`'s, kept under `key` for next time."""
    if key is not None:
        hit = cache.get(key)
        if hit is not None:
            return mark_safe(hit)  # noqa: S308 - our own rendered template, stored as rendered
    content = render()
    if key is not None:
        cache.set(key, str(content), settings.PAGE_CACHE_SECONDS)
    return mark_safe(content)  # noqa: S308 - a rendered template, escaped as it rendered
