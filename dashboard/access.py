"""Who may do what: four roles, held as Django groups, and the authorities a user may see.

A user only ever sees the local authorities in `LocalAuthority.objects.for_user(user)`; an
upload of any other authority is answered with 404, so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from placements.models import LocalAuthority, Upload

OFFICERS = "officers"
COMMITTEE = "committee"
DATA_STAFF = "data_staff"
ADMIN = "admin"
# Most powerful first: a user in several groups has the strongest role among them.
ROLES = (ADMIN, DATA_STAFF, OFFICERS, COMMITTEE)

User = AbstractBaseUser | AnonymousUser
View = Callable[..., HttpResponse]

_ROLE_CACHE_ATTR = "_sufficiency_role"


def role_of(user: User) -> str | None:
    """The user's role, or None for an anonymous user or one in no role group."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    # Several checks run per request (view, then the header); ask the database once.
    if not hasattr(user, _ROLE_CACHE_ATTR):
        names = set(user.groups.values_list("name", flat=True))
        setattr(user, _ROLE_CACHE_ATTR, next((role for role in ROLES if role in names), None))
    return getattr(user, _ROLE_CACHE_ATTR)


def can_upload(user: User) -> bool:
    return role_of(user) in {DATA_STAFF, ADMIN}


def can_view_uploads(user: User) -> bool:
    # Committee members see indicators only, never the row-level problems of an extract.
    return role_of(user) in {OFFICERS, DATA_STAFF, ADMIN}


def can_view_children(user: User) -> bool:
    # Named children: officers, data staff and admins, every view logged; never the committee.
    return role_of(user) in {OFFICERS, DATA_STAFF, ADMIN}


def can_edit_targets(user: User) -> bool:
    """Targets and the monthly commentary: officers and admins."""
    return role_of(user) in {OFFICERS, ADMIN}


def can_import_benchmarks(user: User) -> bool:
    """The DfE's published figures and neighbour lists: data staff and admins."""
    return role_of(user) in {DATA_STAFF, ADMIN}


def can_view_indicators(user: User) -> bool:
    """Dashboard, indicator pages and the committee report: every role."""
    return role_of(user) is not None


def sees_suppressed(user: User) -> bool:
    """Committee members see small numbers suppressed wherever they appear."""
    return role_of(user) == COMMITTEE


def require(check: Callable[[User], bool]) -> Callable[[View], View]:
    """Decorate a view so that users failing `check` get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def upload_for(user: User, upload_id: int) -> Upload:
    """The upload if it belongs to one of the user's authorities; 404 otherwise."""
    return get_object_or_404(
        Upload.objects.for_user(user).select_related("la", "uploaded_by", "duplicate_of"),
        pk=upload_id,
    )


def authority_for(
    user: User, la_id: str | None
) -> tuple[LocalAuthority | None, list[LocalAuthority]]:
    """The authority chosen with ?la=<pk> (404 if it is not one of the user's), or the user's
    first; and all of the user's authorities, for the chooser. (None, []) when they have none."""
    authorities = list(LocalAuthority.objects.for_user(user).order_by("name", "pk"))
    if la_id in (None, ""):
        return (authorities[0] if authorities else None), authorities
    for la in authorities:
        if str(la.pk) == la_id:
            return la, authorities
    raise Http404("No such local authority.")
