"""The overview's and the indicator pages' content, kept in the cache under a key naming all it
shows, so a repeated view costs one query instead of the whole read (docs/page-cache.md).

What is cached is the page's content block alone, rendered without the user: the header (who
is signed in, the sign-out form's CSRF token), the menu, messages, the stale-figures banner and
the data-as-at line are rendered fresh on every request around it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from dashboard import access
from placements.models import ImportLog, LocalAuthority
from sufficiency.models import Commentary, Computation, Target, figures_state
from sufficiency.registry import DEFINITIONS_VERSION

# The query parameters a cached page may have: both are part of the key. Any other (a table's
# sort or page, an export) means the page is worked out afresh.
KEYED_PARAMETERS = frozenset({"la", "period"})


def _aggregate(rows: QuerySet[Any], **aggregate: Count | Max) -> Subquery:
    return Subquery(rows.values("la").annotate(**aggregate).values(*aggregate)[:1])


def stamp(la: LocalAuthority) -> tuple[object, ...]:
    """Everything stored that the pages of `la` show, in one query: its latest computation
    (a recompute, after an upload or an undo, is the only writer of its values) and whether it
    failed, its targets and commentary (count and last change, so a deletion counts too), and
    the latest import of published figures and neighbour lists."""
    own = {"la": OuterRef("pk")}
    latest_run = Computation.objects.filter(**own).order_by("-started_at", "-pk")
    row = (
        LocalAuthority.objects.filter(pk=la.pk)
        .values_list(
            Subquery(latest_run.values("pk")[:1]),
            Subquery(latest_run.values("status")[:1]),
            Subquery(latest_run.values("final")[:1]),
            *figures_state(OuterRef("pk")).values(),
            _aggregate(Target.objects.filter(**own), n=Count("pk")),
            _aggregate(Target.objects.filter(**own), at=Max("updated_at")),
            _aggregate(Commentary.objects.filter(**own), n=Count("pk")),
            _aggregate(Commentary.objects.filter(**own), at=Max("updated_at")),
            Subquery(
                ImportLog.objects.filter(importer=ImportLog.Importer.BENCHMARKS)
                .order_by("-pk")
                .values("pk")[:1]
            ),
            "name",
            "code",
        )
        .first()
    )
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
