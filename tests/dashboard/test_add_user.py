"""manage.py add_user: provisioning a user with a role and authorities, and every refusal."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import CommandError, call_command

from dashboard.management.commands import add_user
from placements.models import LocalAuthority
from tests.conftest import LocalAuthorityFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "placid-heron-orchard-42"
OTHER_PASSWORD = "copper-lantern-meadow-17"


@pytest.fixture
def authorities() -> dict[str, LocalAuthority]:
    return {code: LocalAuthorityFactory(code=code) for code in ("210", "211", "212")}


@pytest.fixture
def env_password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(add_user.PASSWORD_ENV, PASSWORD)
    return PASSWORD


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """prompts("a", "b"): getpass answers "a" then "b"; returns the prompts it was shown."""

    def answer(*answers: str) -> list[str]:
        monkeypatch.delenv(add_user.PASSWORD_ENV, raising=False)
        remaining = list(answers)
        shown: list[str] = []

        def fake_getpass(prompt: str = "") -> str:
            shown.append(prompt)
            return remaining.pop(0)

        monkeypatch.setattr(add_user.getpass, "getpass", fake_getpass)
        return shown

    return answer


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("add_user", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refusal(*args: str) -> CommandError:
    """The error the command stops with; from the shell, it prints it and exits with status 1."""
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert raised.value.returncode == 1
    return raised.value


def role_names(user: AbstractBaseUser) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def la_codes(user: AbstractBaseUser) -> list[str]:
    return sorted(user.local_authorities.values_list("code", flat=True))


def test_add_user_creates_officer_for_authorities(authorities, env_password) -> None:
    out, err = run(
        "asha", "--role", "officers", "--la", "211,210", "--email", "asha@example.org",
        "--first-name", "Asha", "--last-name", "Patel",
    )  # fmt: skip
    assert out == "Created user asha (officers) for 210, 211.\n"
    user = User.objects.get(username="asha")
    assert role_names(user) == ["officers"]
    assert la_codes(user) == ["210", "211"]
    assert user.check_password(PASSWORD)
    assert (user.email, user.get_full_name()) == ("asha@example.org", "Asha Patel")
    assert not user.is_staff and not user.is_superuser
    assert PASSWORD not in out + err


def test_add_user_admin_is_staff_and_superuser(authorities, env_password) -> None:
    out, _ = run("root", "--role", "admin")
    assert out == "Created user root (admin) for every authority.\n"
    user = User.objects.get(username="root")
    assert user.is_staff and user.is_superuser
    assert role_names(user) == ["admin"]
    assert LocalAuthority.objects.for_user(user).count() == 3


def test_add_user_existing_user_is_updated(authorities, make_user, monkeypatch) -> None:
    make_user("admin", authorities["210"], username="sam", is_staff=True, is_superuser=True)
    monkeypatch.setenv(add_user.PASSWORD_ENV, OTHER_PASSWORD)
    out, _ = run("sam", "--role", "committee", "--la", "212")
    assert out == "Updated user sam (committee) for 212.\n"
    user = User.objects.get(username="sam")
    assert role_names(user) == ["committee"]
    assert la_codes(user) == ["212"]
    assert user.check_password(OTHER_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    assert User.objects.filter(username="sam").count() == 1


def test_add_user_update_keeps_names_not_given(authorities, make_user, env_password) -> None:
    make_user("officers", authorities["210"], username="kim", first_name="Kim", email="k@e.org")
    run("kim", "--role", "officers", "--la", "210")
    user = User.objects.get(username="kim")
    assert (user.first_name, user.email) == ("Kim", "k@e.org")


def test_add_user_unknown_code_refused_and_nothing_created(authorities, env_password) -> None:
    error = refusal("asha", "--role", "officers", "--la", "210,999,998")
    assert str(error) == add_user.UNKNOWN_CODES.format(codes="999, 998")
    assert not User.objects.filter(username="asha").exists()


def test_add_user_unknown_code_leaves_existing_user_alone(
    authorities, make_user, monkeypatch
) -> None:
    make_user("officers", authorities["210"], username="sam")
    monkeypatch.setenv(add_user.PASSWORD_ENV, OTHER_PASSWORD)
    refusal("sam", "--role", "data_staff", "--la", "999")
    user = User.objects.get(username="sam")
    assert role_names(user) == ["officers"]
    assert la_codes(user) == ["210"]
    assert user.check_password("correct horse battery staple")


def test_add_user_without_authority_refused_for_non_admin(authorities, env_password) -> None:
    error = refusal("asha", "--role", "data_staff")
    assert str(error) == add_user.NO_AUTHORITIES.format(role="data_staff")
    assert not User.objects.filter(username="asha").exists()


def test_add_user_unknown_role_refused(authorities, env_password) -> None:
    error = refusal("asha", "--role", "superhero", "--la", "210")
    assert "invalid choice" in str(error)
    assert not User.objects.filter(username="asha").exists()


def test_add_user_without_env_prompts_twice(authorities, prompts) -> None:
    shown = prompts(PASSWORD, PASSWORD)
    out, err = run("asha", "--role", "officers", "--la", "210")
    assert len(shown) == 2
    assert out.startswith("Created user asha")
    assert User.objects.get(username="asha").check_password(PASSWORD)
    assert PASSWORD not in out + err


def test_add_user_mismatched_prompts_refused(authorities, prompts) -> None:
    prompts(PASSWORD, OTHER_PASSWORD)
    error = refusal("asha", "--role", "officers", "--la", "210")
    assert str(error) == add_user.PASSWORDS_DIFFER
    assert not User.objects.filter(username="asha").exists()


def test_add_user_empty_password_refused(authorities, prompts) -> None:
    prompts("", "")
    error = refusal("asha", "--role", "officers", "--la", "210")
    assert str(error) == add_user.EMPTY_PASSWORD
    assert not User.objects.filter(username="asha").exists()


@pytest.mark.parametrize("weak", ["password", "short1", "12345678901", "asha-patel"])
def test_add_user_weak_password_refused(authorities, monkeypatch, weak: str) -> None:
    monkeypatch.setenv(add_user.PASSWORD_ENV, weak)
    error = refusal("asha-patel", "--role", "officers", "--la", "210")
    assert str(error).startswith("The password is not accepted:")
    assert not User.objects.filter(username="asha-patel").exists()


def test_add_user_invalid_username_refused(authorities, env_password) -> None:
    error = refusal("no spaces please", "--role", "officers", "--la", "210")
    assert str(error).startswith("The user is not valid:")
    assert not User.objects.exists()
