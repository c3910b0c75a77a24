from django.core.management.base import BaseCommand

from sufficiency.recovery import sweep


class Command(BaseCommand):
    help = (
        "Send again, or close with a plain message, the uploads and computations a lost message "
        "or a dead worker left stuck (what Celery beat runs every minute). Prints one "
        "`name: count` line per kind of repair."
    )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(str(sweep()))
