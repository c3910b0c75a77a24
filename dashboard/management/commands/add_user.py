"""Create a user, or update one, with a role and the authorities they may see.

    manage.py add_user NAME --role officers|committee|data_staff|admin --la 210,211

The password comes from NEW_USER_PASSWORD, else it is asked for twice. It is checked by
Django's password validators and never printed.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dashboard import access
from placements.models import LocalAuthority

PASSWORD_ENV = "NEW_USER_PASSWORD"  # noqa: S105 - the variable's name, not a password
UNKNOWN_CODES = "No local authority with DfE code {codes}. Nothing was changed."
NO_AUTHORITIES = "A {role} user needs at least one authority: give --la CODE[,CODE...]."
PASSWORDS_DIFFER = "The two passwords differ. Nothing was changed."
EMPTY_PASSWORD = "The password is empty. Nothing was changed."  # noqa: S105
INVALID_PASSWORD = "The password is not accepted: {reasons} Nothing was changed."  # noqa: S105
INVALID_USER = "The user is not valid: {reasons} Nothing was changed."


class Command(BaseCommand):
    help = (
        "Create a user (or update an existing one) with a role and authorities. The password "
        f"comes from the environment variable {PASSWORD_ENV}, else it is asked for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The username they sign in with.")
        parser.add_argument("--role", required=True, choices=sorted(access.ROLES))
        parser.add_argument(
            "--la",
            default="",
            metavar="CODE[,CODE...]",
            help="Comma-separated DfE codes of the authorities they may see, e.g. 210,211. "
            "Replaces their current authorities. Admins see every authority.",
        )
        parser.add_argument("--email")
        parser.add_argument("--first-name")
        parser.add_argument("--last-name")

    def handle(self, *args: object, **options: object) -> None:
        name = str(options["name"])
        role = str(options["role"])
        authorities = _authorities(str(options["la"]))
        if not authorities and role != access.ADMIN:
            raise CommandError(NO_AUTHORITIES.format(role=role))

        User = get_user_model()
        user = User.objects.filter(username=name).first()
        created = user is None
        if user is None:
            user = User(username=name)
        for field in ("email", "first_name", "last_name"):
            if options[field] is not None:
                setattr(user, field, options[field])
        user.is_staff = user.is_superuser = role == access.ADMIN

        password = _password()
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            raise CommandError(INVALID_PASSWORD.format(reasons=" ".join(error.messages))) from None
        user.set_password(password)
        try:
            user.full_clean()
        except ValidationError as error:
            raise CommandError(INVALID_USER.format(reasons=" ".join(error.messages))) from None

        with transaction.atomic():
            user.save()
            user.groups.set([Group.objects.get_or_create(name=role)[0]])
            user.local_authorities.set(authorities)

        scope = (
            "every authority"
            if role == access.ADMIN
            else ", ".join(la.code for la in sorted(authorities, key=lambda la: la.code))
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} user {user.get_username()} ({role}) for {scope}.")


def _authorities(codes_text: str) -> list[LocalAuthority]:
    """The authorities with these DfE codes; CommandError naming any code that is unknown."""
    codes = list(dict.fromkeys(code.strip() for code in codes_text.split(",") if code.strip()))
    found = {la.code: la for la in LocalAuthority.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise CommandError(UNKNOWN_CODES.format(codes=", ".join(unknown)))
    return [found[code] for code in codes]


def _password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError(PASSWORDS_DIFFER)
    if not password:
        raise CommandError(EMPTY_PASSWORD)
    return password
