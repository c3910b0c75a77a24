"""Admin for targets and commentary (also edited on /targets/), and the benchmark import log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sufficiency.models import BenchmarkImport, Commentary, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["la", "indicator", "start_date", "value", "amber_margin", "set_by"]
    list_filter = ["la", "indicator"]
    readonly_fields = ["set_by", "updated_at"]


@admin.register(Commentary)
class CommentaryAdmin(admin.ModelAdmin):
    list_display = ["la", "indicator", "period_end", "author", "updated_at"]
    list_filter = ["la", "indicator"]
    readonly_fields = ["author", "updated_at"]


@admin.register(BenchmarkImport)
class BenchmarkImportAdmin(admin.ModelAdmin):
    list_display = ["imported_at", "file_name", "kind", "rows", "status", "who"]
    readonly_fields = [f.name for f in BenchmarkImport._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
