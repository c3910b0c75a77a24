from placements.management.commands._imports import ImportCommand
from placements.models import LocalAuthority, Upload


class Command(ImportCommand):
    help = (
        "Load a placement costs extract (CHILD, DECOM, WEEKLY_COST; a CSV file or a sheet of an "
        "Excel workbook) for an authority, as the web form does: each cost is added, or replaces "
        "the stored cost of the same episode. Exit 0 when loaded, 1 when rejected."
    )
    kind = Upload.Kind.COSTS
    unchanged = "the stored placement costs are as they were"

    def loaded(self, upload: Upload, la: LocalAuthority) -> str:
        return (
            f"Loaded upload {upload.pk} for {la.name}: {upload.rows_count} placement "
            f"cost(s) for {upload.children_count} children ({upload.rows_added} new, "
            f"{upload.rows_updated} changed), {upload.warnings_count} warning(s)."
        )
