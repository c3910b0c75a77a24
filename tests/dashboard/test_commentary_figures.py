"""Commentary knows its numbers: written against one figure, it is held back from the committee
once the figure changes, flagged for officers, and shown again when an officer saves it.

The case: officers write "3 children looked after" against 31 March 2024 after the year's
extract; a later extract for the same window holds one child, so the figure becomes 1 and the
words no longer fit it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from placements.models import LocalAuthority, Population
from sufficiency.models import Commentary
from tests.extracts import child, episode, extract_files
from tests.helpers import client_for, page_words, run_import_903

pytestmark = pytest.mark.django_db

MARCH = dt.date(2024, 3, 31)
WORDS = "Three children in care this month, all placed near home."
FULL = extract_files(
    [child("A1"), child("B2", SEX="2"), child("C3")],
    [
        episode("A1", "10/05/2023"),
        episode("B2", "15/06/2023", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
        episode("C3", "20/07/2023"),
    ],
)
SMALLER = extract_files([child("A1")], [episode("A1", "10/05/2023")])


@pytest.fixture
def la(db: None) -> LocalAuthority:
    la = LocalAuthority.objects.create(code="993", name="Wordsley", districts=["E09000028"])
    Population.objects.create(la=la, year=2023, count=50_000)
    return la


def _load(tmp_path, la, files, capture) -> None:
    with capture(execute=True):
        run_import_903(tmp_path, la, files, "--as-at", "2024-03-31")


def _save(client, la, text: str):
    page = client.get(
        reverse("dashboard-targets"), {"la": la.pk, "period": MARCH.isoformat(), "indicator": ""}
    )
    form = page.context["commentary"].form
    data: dict[str, object] = {"la": la.pk, "period": MARCH.isoformat(), "indicator": ""}
    data.update({f"commentary-{name}": field.initial for name, field in form.fields.items()})
    data["commentary-cla_count"] = text
    return client.post(reverse("dashboard-commentary-save"), data)


def test_commentary_is_held_back_when_its_figure_changes_until_saved_again(
    la, tmp_path, django_capture_on_commit_callbacks, make_user
):
    _load(tmp_path, la, FULL, django_capture_on_commit_callbacks)
    officer = client_for(make_user("officers", la))
    councillor = client_for(make_user("committee", la))
    assert _save(officer, la, WORDS).status_code == 302
    written = Commentary.objects.get(la=la, indicator="cla_count")
    assert (written.written_value, written.written_numerator) == (3.0, 3)

    # The figure changes: the words are not shown to the committee any more.
    _load(tmp_path, la, SMALLER, django_capture_on_commit_callbacks)
    indicator = reverse("dashboard-indicator", args=["cla_count"])
    for_councillor = page_words(councillor.get(indicator, {"la": la.pk}))
    assert WORDS not in for_councillor and "No commentary for this month." in for_councillor
    for_officer = page_words(officer.get(indicator, {"la": la.pk}))
    assert WORDS in for_officer
    assert "The figure has changed since this was written (it was written against 3)" in (
        for_officer
    )
    targets = page_words(
        officer.get(reverse("dashboard-targets"), {"la": la.pk, "period": MARCH.isoformat()})
    )
    assert "The figure has changed since this was written, so the committee does not see it" in (
        targets
    )

    # An officer checks the words against the new figure and saves them: shown again.
    assert _save(officer, la, "One child in care this month.").status_code == 302
    assert "One child in care this month." in page_words(councillor.get(indicator, {"la": la.pk}))
    assert "The figure has changed" not in page_words(officer.get(indicator, {"la": la.pk}))


def test_unchanged_figures_keep_their_commentary_for_the_committee(
    la, tmp_path, django_capture_on_commit_callbacks, make_user
):
    _load(tmp_path, la, FULL, django_capture_on_commit_callbacks)
    officer = client_for(make_user("officers", la))
    _save(officer, la, WORDS)
    # The same extract loaded again as a new upload changes no figure.
    _load(tmp_path, la, extract_files(
        [child("A1"), child("B2", SEX="2"), child("C3")],
        [
            episode("A1", "10/05/2023"),
            episode("B2", "15/06/2023", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
            episode("C3", "20/07/2023", CIN="N2"),
        ],
    ), django_capture_on_commit_callbacks)  # fmt: skip
    councillor = client_for(make_user("committee", la))
    indicator = reverse("dashboard-indicator", args=["cla_count"])
    assert WORDS in page_words(councillor.get(indicator, {"la": la.pk}))
