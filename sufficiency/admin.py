"""Admin for targets and commentary (also edited on /targets/). The benchmark files' imports are
in the import log, with the provider lists' (placements.admin)."""

from __future__ import annotations

from django.contrib import admin

from sufficiency.models import Commentary, Target


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
