from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.models import Upload
from placements.uploads import process_upload


class Command(BaseCommand):
    help = "Process a queued upload now, in this process (what the Celery task does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("upload_id", type=int)

    def handle(self, *args: object, **options: object) -> None:
        try:
            upload = process_upload(upload_id=int(options["upload_id"]))  # type: ignore[arg-type]
        except Upload.DoesNotExist:
            raise CommandError(f"No upload {options['upload_id']}.") from None
        self.stdout.write(f"Upload {upload.pk}: {upload.get_status_display()}")
