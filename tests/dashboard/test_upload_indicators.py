"""The upload page says whether the indicators were worked out from the new history."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from placements.models import Upload
from sufficiency.models import Computation
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def page(user, upload: Upload) -> str:
    text = client_for(user).get(reverse("dashboard-upload-detail", args=[upload.pk])).text
    return " ".join(text.split())


@pytest.fixture
def upload(la) -> Upload:
    return Upload.objects.create(
        la=la, as_at=dt.date(2025, 10, 31), window_start=dt.date(2025, 4, 1),
        status=Upload.Status.LOADED, stage=Upload.Stage.DONE, progress=100, fingerprint="f" * 64,
    )  # fmt: skip


def test_upload_page_says_the_indicators_were_worked_out(make_user, la, upload):
    Computation.objects.create(
        la=la, upload=upload, trigger="upload", status="done", months=19,
        definitions_version="x", finished_at=timezone.now(),
    )  # fmt: skip
    assert "for 19 months." in page(make_user("data_staff", la), upload)


def test_upload_page_reports_a_computation_that_failed_for_good(make_user, la, upload):
    Computation.objects.create(
        la=la, upload=upload, trigger="upload", status="failed", attempt=4, final=True,
        definitions_version="x", error="The computation stopped with an internal error (KeyError).",
    )  # fmt: skip
    text = page(make_user("officers", la), upload)
    assert "Working out the indicators failed after 4 attempts." in text
    assert "The dashboard still shows the values from before this upload." in text


def test_upload_page_while_the_indicators_are_being_worked_out(make_user, la, upload):
    assert "The indicators are being worked out" in page(make_user("data_staff", la), upload)
