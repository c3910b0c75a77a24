"""The access log of child lists, for admins to read; nobody may change or delete a line."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from dashboard.models import ChildListView


@admin.register(ChildListView)
class ChildListViewAdmin(admin.ModelAdmin):
    list_display = ["viewed_at", "username", "role", "la", "indicator", "period_end", "format",
                    "children_listed"]  # fmt: skip
    list_filter = ["la", "role", "indicator", "format"]
    search_fields = ["username"]
    date_hierarchy = "viewed_at"
    readonly_fields = [f.name for f in ChildListView._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
