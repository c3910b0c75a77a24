"""Helpers the test modules share: a signed-in client, a page's words, stored rows."""

from __future__ import annotations

import datetime as dt
import html
import re

import factory
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags
from factory.django import DjangoModelFactory

from placements.models import ImportLog, LocalAuthority, Upload
from sufficiency.definitions import BY_KEY, DEFINITIONS_VERSION
from sufficiency.models import IndicatorValue
from tests.conftest import UserFactory


def client_for(user: AbstractBaseUser) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def page_words(response: HttpResponse) -> str:
    """The page as a reader hears it: text without tags, whitespace collapsed; entities are
    left as the page writes them (&quot;)."""
    return " ".join(strip_tags(response.content.decode()).split())


def page_text(response: HttpResponse) -> str:
    """The page as a reader sees it: text without tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def spaced_page_text(response: HttpResponse) -> str:
    """As `page_text`, but each tag read as a space, so that a table's cells stay apart."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(body).split()).replace(" )", ")").replace("( ", "(")


def benchmark_imports() -> QuerySet[ImportLog]:
    """The import log's lines for the DfE's published files."""
    return ImportLog.objects.filter(importer=ImportLog.Importer.BENCHMARKS)


def stored_value(
    la: LocalAuthority, key: str, day: dt.date, numerator: int, denominator: int
) -> IndicatorValue:
    """An indicator's value at a month end, worked out from its counts in its unit."""
    unit = BY_KEY[key].unit
    if unit == "percent":
        shown = 100 * numerator / denominator if denominator else None
    elif unit == "rate":
        shown = round(numerator * 10_000 / denominator) if denominator else None
    else:
        shown = float(numerator)
    return IndicatorValue.objects.create(
        la=la, indicator=key, period_end=day, value=shown, numerator=numerator,
        denominator=denominator, definitions_version=DEFINITIONS_VERSION,
        computed_at=timezone.now(),
    )  # fmt: skip


class UploadFactory(DjangoModelFactory):
    class Meta:
        model = Upload

    la = factory.SubFactory("tests.conftest.LocalAuthorityFactory")
    uploaded_by = factory.SubFactory(UserFactory)
    as_at = dt.date(2025, 10, 31)
    window_start = dt.date(2025, 4, 1)
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
