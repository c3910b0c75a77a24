from placements.management.commands._imports import ImportCommand
from placements.models import LocalAuthority, Upload


class Command(ImportCommand):
    help = (
        "Load a foster carers extract (a CSV file or a sheet of an Excel workbook) for an "
        "authority, as the web form does: it replaces the stored carer households. "
        "Exit 0 when loaded, 1 when rejected."
    )
    kind = Upload.Kind.CARERS
    unchanged = "the stored carer households are as they were"

    def loaded(self, upload: Upload, la: LocalAuthority) -> str:
        return (
            f"Loaded upload {upload.pk} for {la.name}: {upload.rows_count} carer "
            f"household(s), {upload.deregistered_count} deregistered ({upload.rows_added} new, "
            f"{upload.rows_updated} changed, {upload.rows_removed} no longer listed), "
            f"{upload.warnings_count} warning(s)."
        )
