"""Role checks for templates: `{% if user|can_view_uploads %}`, so nobody is shown a dead link."""

from __future__ import annotations

from django import template

from dashboard import access

register = template.Library()


@register.filter
def can_view_uploads(user: access.User) -> bool:
    return access.can_view_uploads(user)


@register.filter
def can_upload(user: access.User) -> bool:
    return access.can_upload(user)


@register.filter
def can_view_children(user: access.User) -> bool:
    return access.can_view_children(user)


@register.filter
def can_edit_targets(user: access.User) -> bool:
    return access.can_edit_targets(user)


@register.filter
def can_import_benchmarks(user: access.User) -> bool:
    return access.can_import_benchmarks(user)


@register.filter
def sees_suppressed(user: access.User) -> bool:
    return access.sees_suppressed(user)
