"""Helpers the test modules share: a signed-in client, a page's words, stored rows."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path
from typing import Any

import factory
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.db.models import QuerySet
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags
from factory.django import DjangoModelFactory

from placements.models import ImportLog, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract
from sufficiency.models import IndicatorValue
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION
from sufficiency.services import recompute_indicators
from tests.conftest import UserFactory
from tests.extracts import child, episode, extract_files

# The month ends the dashboard tests store values for: the month shown, the month before it
# and the same month a year before.
OCT = dt.date(2026, 10, 31)
SEP = dt.date(2026, 9, 30)
OCT_BEFORE = dt.date(2025, 10, 31)


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


def load_three_children(la: LocalAuthority) -> None:
    """Three children in care at 31 October 2026 (two in in-house foster care, one in a
    children's home), loaded the way an upload loads them, and every indicator worked out."""
    la.districts = ["E09000028"]  # Southwark, where tests.extracts' home postcodes are
    la.save()
    files = extract_files(
        [child("KID001"), child("KID002", DOB="01/02/2010"), child("KID003")],
        [
            episode("KID001", "01/05/2026"),
            episode("KID002", "01/06/2026", PLACE="K2", PLACE_PROVIDER="PR4"),
            episode("KID003", "15/07/2026", PL_POST="ME14 1XQ"),
        ],
    )
    upload = import_extract(
        la=la,
        user=None,
        as_at=OCT,
        window_start=dt.date(2026, 4, 1),
        files=[RawFile(name, content) for name, content in files],
    )
    assert upload.status == Upload.Status.LOADED, upload.failure
    # The task that follows an upload runs on commit, which a test's transaction never reaches.
    recompute_indicators(la_id=la.pk, trigger="command")


def run_import_903(
    tmp_path: Path, la: LocalAuthority, files: list[tuple[str, bytes]], *options: str
) -> str:
    """The files written to `tmp_path` and loaded with `manage.py import_903 --la CODE
    OPTIONS FILES` (options such as "--as-at", "2024-03-31"); what the command printed. The
    hand-written histories are small and old, so the checks against careless uploads are
    confirmed (tests/placements/test_checks.py tests them)."""
    paths = []
    for name, content in files:
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    out = io.StringIO()
    call_command("import_903", "--la", la.code, "--confirm-warnings", *options, *paths, stdout=out)
    return out.getvalue()


def press_load_it(
    client: Client, page: HttpResponse, capture: Any, reason: str = "", checked: bool = False
) -> HttpResponse:
    """Press "Load it" on an upload's page awaiting confirmation, as the page's form posts it
    (its history token, `reason` typed in, and the warnings ticked as checked when
    `checked`); the page shown after. `capture` is pytest-django's
    django_capture_on_commit_callbacks."""
    form = re.search(r'<form method="post" action="([^"]+/confirm/)"', page.content.decode())
    token = re.search(r'name="history_token" value="([0-9a-f]+)"', page.content.decode())
    assert form and token, "the page has no Load it button"
    with capture(execute=True):
        data = {"history_token": token.group(1), "reason": reason}
        if checked:
            data["checked"] = "on"
        response = client.post(form.group(1), data)
    if response.status_code == 302:
        return client.get(response["Location"])
    return response
