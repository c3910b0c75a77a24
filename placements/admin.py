"""Admin for support staff. Uploads and their problems are records of what happened: read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from placements.models import (
    Child,
    Episode,
    ImportLog,
    LocalAuthority,
    Population,
    Provider,
    ProviderChange,
    Upload,
    UploadFile,
    UploadProblem,
)


class ReadOnlyMixin:
    """View-only in the admin: an upload's record must match what was actually processed."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a loaded upload would silently change what a rebuild of the history replays.
        return False


class PopulationInline(admin.TabularInline):
    model = Population
    extra = 0


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    filter_horizontal = ["users"]
    inlines = [PopulationInline]


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ["child_id", "la", "sex", "dob", "uasc"]
    list_filter = ["la", "sex", "uasc"]
    list_select_related = ["la"]
    search_fields = ["child_id"]


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ["child", "decom", "dec", "ls", "place", "rec"]
    list_filter = ["la", "ls", "place", "rec"]
    list_select_related = ["child__la"]
    search_fields = ["child__child_id"]
    raw_id_fields = ["child", "source_upload"]
    date_hierarchy = "decom"


class UploadFileInline(ReadOnlyMixin, admin.TabularInline):
    model = UploadFile
    # Never the raw content (in UploadFileChunk, never shown): it holds children's records.
    fields = ["name", "size", "sha256", "tables"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Upload)
class UploadAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "la", "as_at", "window_start", "status", "created_at", "uploaded_by"]
    list_filter = ["status", "la"]
    list_select_related = ["la", "uploaded_by"]
    date_hierarchy = "created_at"
    inlines = [UploadFileInline]


@admin.register(UploadProblem)
class UploadProblemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["upload", "severity", "file", "row", "child_id", "column", "value", "message"]
    list_filter = ["severity"]
    list_select_related = ["upload__la"]
    search_fields = ["child_id", "message"]
    raw_id_fields = ["upload"]


# --- Ofsted providers (issue 5): national lists as imported; changed only by a new import. ---


@admin.register(Provider)
class ProviderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "urn", "name", "provider_type", "registration_status", "registered_places",
        "local_authority", "overall_effectiveness", "source_list",
    ]  # fmt: skip
    list_filter = ["source_list", "provider_type", "registration_status"]
    search_fields = ["=urn", "name"]


@admin.register(ImportLog)
class ImportLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The provider lists' and the benchmark files' imports: a record of what happened."""

    list_display = [
        "imported_at", "importer", "file_name", "kind", "status", "rows", "added", "changed", "who",
    ]  # fmt: skip
    list_filter = ["importer", "status", "kind"]
    date_hierarchy = "imported_at"
    # A re-import of a provider list can change thousands of fields: they are listed on their
    # own page.


@admin.register(ProviderChange)
class ProviderChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["provider", "field", "old_value", "new_value", "provider_import"]
    list_filter = ["field"]
    list_select_related = ["provider", "provider_import"]
    search_fields = ["=provider__urn", "provider__name"]
    raw_id_fields = ["provider", "provider_import"]
