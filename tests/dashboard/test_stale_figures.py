"""When an authority's figures could not be brought up to date (its latest computation failed
for good, or was lost with its worker), every page that shows them says so, and so does the
committee report, on the page and in the PDF. While a retry is due, or a new computation runs,
nothing is said: the upload's page tells data staff what is happening."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sufficiency.models import Computation
from tests.dashboard.test_committee import pdf_text
from tests.helpers import OCT, UploadFactory, client_for, page_words, stored_value

pytestmark = pytest.mark.django_db

PAGES = ["dashboard-index", "dashboard-indicator", "dashboard-committee", "dashboard-targets"]
WARNING = "These figures are not up to date."


@pytest.fixture
def figures(la):
    UploadFactory(la=la, status="loaded", applied_seq=1)
    stored_value(la, "cla_count", OCT, 40, 40)
    stored_value(la, "moves_3plus", OCT, 4, 40)
    return la


def computation(la, status: str, *, hours_ago: float, final: bool = True) -> Computation:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    run = Computation.objects.create(
        la=la, trigger="upload", status=status, final=final, definitions_version="x"
    )
    Computation.objects.filter(pk=run.pk).update(started_at=at, finished_at=at)
    run.refresh_from_db()
    return run


def url(name: str) -> str:
    return reverse(name, args=["moves_3plus"]) if name == "dashboard-indicator" else reverse(name)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_of_figures_says_when_they_could_not_be_brought_up_to_date(
    make_user, figures, name
):
    done = computation(figures, "done", hours_ago=30)
    computation(figures, "failed", hours_ago=1)
    text = page_words(client_for(make_user("officers", figures)).get(url(name)))
    assert WARNING in text
    shown = timezone.localtime(done.finished_at)
    assert f"the figures shown are those worked out on {shown:%-d %B %Y %H:%M}" in text


def test_the_committee_pdf_says_so_under_its_title(make_user, figures):
    computation(figures, "done", hours_ago=30)
    computation(figures, "failed", hours_ago=1)
    client = client_for(make_user("officers", figures))
    response = client.get(reverse("dashboard-committee-pdf"), {"period": OCT.isoformat()})
    assert response.status_code == 200
    assert WARNING in pdf_text(response.content)


@pytest.mark.parametrize(
    "latest",
    [
        pytest.param(("done", True), id="latest done"),
        pytest.param(("failed", False), id="failed with a retry due"),
        pytest.param(("running", True), id="worked out again now"),
    ],
)
def test_no_warning_while_the_figures_are_current_or_being_worked_out(make_user, figures, latest):
    computation(figures, "failed", hours_ago=30)
    status, final = latest
    computation(figures, status, hours_ago=1, final=final)
    client = client_for(make_user("officers", figures))
    assert WARNING not in page_words(client.get(reverse("dashboard-index")))
    response = client.get(reverse("dashboard-committee-pdf"), {"period": OCT.isoformat()})
    assert WARNING not in pdf_text(response.content)
