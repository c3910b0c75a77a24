from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sufficiency.documentation import DOCUMENT_PATH, indicators_markdown

MSG_OUT_OF_DATE = (
    "{path} is not what the declarations give: run `manage.py document_indicators` and commit it."
)


class Command(BaseCommand):
    help = (
        f"Write {DOCUMENT_PATH} from the indicator declarations (sufficiency/measures/); "
        "with --check, only say whether the file is current (exit 1 when it is not)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail if the file is stale"
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(settings.BASE_DIR) / DOCUMENT_PATH
        text = indicators_markdown()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if options["check"]:
            if current != text:
                raise CommandError(MSG_OUT_OF_DATE.format(path=DOCUMENT_PATH))
            self.stdout.write(f"{DOCUMENT_PATH} is current.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {DOCUMENT_PATH} ({text.count(chr(10))} lines).")
