from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.models import Upload
from sufficiency.preview import upload_preview


class Command(BaseCommand):
    help = (
        "Work out and keep the preview of an upload awaiting confirmation, in this process "
        "(what the Celery task does once it is checked), and print it as import_903 --dry-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("upload_id", type=int)

    def handle(self, *args: object, **options: object) -> None:
        upload = Upload.objects.select_related("la").filter(pk=options["upload_id"]).first()
        if upload is None or upload.status != Upload.Status.AWAITING:
            raise CommandError(f"Upload {options['upload_id']} is not awaiting confirmation.")
        for name, value in upload_preview(upload).lines():
            self.stdout.write(f"{name}: {value}")
