"""Shared fixtures: local authorities, and users with a role in some of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.cache import cache
from django.db import connection
from factory.django import DjangoModelFactory

from placements.models import LocalAuthority


class LocalAuthorityFactory(DjangoModelFactory):
    class Meta:
        model = LocalAuthority

    code = factory.Sequence(lambda n: f"{100 + n % 900:03d}")
    name = factory.Sequence(lambda n: f"Testshire {n}")


class UserFactory(DjangoModelFactory):
    """UserFactory(role="data_staff", authorities=[la]); role is a group in dashboard.access."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            # get_or_create: the groups come from a data migration, absent with --no-migrations.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])

    @factory.post_generation
    def authorities(
        self, create: bool, extracted: list[LocalAuthority] | None, **kwargs: object
    ) -> None:
        if create:
            for la in extracted or []:
                la.users.add(self)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    # Skipped at collection, before any of their fixtures start a worker or a database.
    skip = pytest.mark.skip(
        reason=f"needs Postgres (DATABASE_URL); the tests run on {connection.vendor}"
    )
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The real hasher is slow by design; tests create many users and never need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def second_factor_off(settings: Any) -> None:
    # The suite signs users in with force_login and no second factor; tests/dashboard/test_mfa.py
    # and the browser test of enrolment turn MFA_REQUIRED back on.
    settings.MFA_REQUIRED = False


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    # The in-memory cache outlives a test's rolled-back rows, whose ids SQLite hands out again.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def la(db: None) -> LocalAuthority:
    return LocalAuthorityFactory()


@pytest.fixture
def other_la(db: None) -> LocalAuthority:
    return LocalAuthorityFactory()


@pytest.fixture
def make_user(db: None) -> Callable[..., AbstractBaseUser]:
    """make_user("officers", la) -> a user in that role who belongs to those authorities."""

    def make(role: str | None, *authorities: LocalAuthority, **fields: object) -> AbstractBaseUser:
        return UserFactory(role=role, authorities=list(authorities), **fields)

    return make
