"""Remove a user's authenticator app and recovery codes, for a lost or replaced phone.

    manage.py reset_second_factor NAME

At their next sign-in they set up a new app (docs/security.md#a-lost-phone). Sessions they
have already verified stay signed in until they end.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard import mfa

UNKNOWN_USER = "No user named {name}. Nothing was changed."
RESET_DONE = "Removed {name}'s authenticator app and recovery codes: they set up a new app when they next sign in."
NOTHING_TO_RESET = "{name} has no authenticator app or recovery codes. Nothing was changed."


class Command(BaseCommand):
    help = "Remove a user's authenticator app and recovery codes (a lost phone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The username they sign in with.")

    def handle(self, *args: object, **options: object) -> None:
        name = str(options["name"])
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(UNKNOWN_USER.format(name=name))
        removed = mfa.remove_second_factor(user=user)
        self.stdout.write((RESET_DONE if removed else NOTHING_TO_RESET).format(name=name))
