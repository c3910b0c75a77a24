"""The committee report, on the page and as a PDF: who may open it, what small numbers look like
to whom, and that nothing about a single child ever reaches it."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.committee_pdf import build_pdf
from dashboard.pages.committee import build_report
from placements.models import Child, Episode
from sufficiency.models import (
    Commentary,
    PublishedValue,
    StatisticalNeighbour,
    Target,
)
from sufficiency.suppression import SECONDARY_TEXT
from tests.helpers import OCT, OCT_BEFORE, SEP, client_for, page_text, stored_value

pytestmark = pytest.mark.django_db

SECRET_IDS = ["SECRET-001", "SECRET-002", "SECRET-003"]
ROLES = ["officers", "committee", "data_staff", "admin"]

# Where children live at 31 October 2026: 37 children. Supported accommodation has 3, so it
# shows as "fewer than 5"; the next smallest non-zero group, kinship fostering (6), is hidden
# too, or 3 could be worked out as 37 minus the rest.
OCT_COUNTS = {
    "cla_count": 37,
    "in_house_fostering": 12,
    "kinship_fostering": 6,
    "residential_count": 7,
    "placed_for_adoption": 0,
    "supported_16plus": 3,
    "placed_with_parents": 0,
}
OCT_RATIOS = {  # (numerator, denominator)
    "ifa_share": (9, 27),
    "moves_3plus": (3, 37),  # 8.1%, but 3 children: not shown to the committee
    "long_term_stability": (8, 12),
    "distance_20_miles": (5, 37),
    "cla_rate": (37, 20_000),
}


def store_month(la, day: dt.date, counts: dict[str, int], ratios: dict[str, tuple[int, int]]):
    for key, n in counts.items():
        stored_value(la, key, day, n, n)
    for key, (numerator, denominator) in ratios.items():
        stored_value(la, key, day, numerator, denominator)


@pytest.fixture
def report_la(la):
    store_month(la, OCT, OCT_COUNTS, OCT_RATIOS)
    # September: 4 in children's homes ("fewer than 5" as the month before).
    store_month(la, SEP, {**OCT_COUNTS, "residential_count": 4, "cla_count": 34}, OCT_RATIOS)
    store_month(la, OCT_BEFORE, {**OCT_COUNTS, "residential_count": 10}, OCT_RATIOS)
    Target.objects.create(
        la=la, indicator="residential_count", value=5, amber_margin=2, start_date=SEP
    )
    Commentary.objects.create(
        la=la, indicator="moves_3plus", period_end=OCT,
        text="Moves rose after two carers retired.\n\nRecruitment is under way.",
    )  # fmt: skip
    # Children whose ids must never reach the report.
    for child_id in SECRET_IDS:
        child = Child.objects.create(
            la=la, child_id=child_id, sex="1", dob=dt.date(2012, 5, 1), ethnic="WBRI"
        )
        Episode.objects.create(
            la=la, child=child, decom=dt.date(2024, 1, 10), rne="S", ls="C2", cin="N1",
            place="K2", place_provider="PR4",
        )  # fmt: skip
    return la


@pytest.fixture
def published(report_la):
    codes = [f"{900 + rank}" for rank in range(1, 11)]
    for rank, code in enumerate(codes, start=1):
        StatisticalNeighbour.objects.create(
            model="2025", la_code=report_la.code, neighbour_code=code, rank=rank
        )
    rows = [
        ("national", "", 70.0, ""),
        ("la", codes[0], 60.0, ""),
        ("la", codes[1], 82.0, ""),
        ("la", codes[2], None, "c"),
    ]
    for level, code, figure, marker in rows:
        PublishedValue.objects.create(
            indicator="cla_rate", level=level, la_code=code, year=2026, value=figure,
            marker=marker, source="lait_cla", imported_at=timezone.now(),
        )  # fmt: skip
    return report_la


def pdf_text(content: bytes) -> str:
    """The text drawn on the PDF's pages: its streams decoded, its literal strings read."""
    pages = []
    for match in re.finditer(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length (\d+)\s*>>\s*stream\r?\n", content
    ):
        data = content[match.end() : match.end() + int(match.group(1))]
        pages.append(zlib.decompress(base64.a85decode(data.strip(), adobe=True)))
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", b"\n".join(pages))
    decoded = [re.sub(rb"\\(.)", rb"\1", s).decode("latin-1") for s in strings]
    return " ".join(" ".join(decoded).split())


def page(client: Client, **params: object):
    return client.get(reverse("dashboard-committee"), params)


def placement_rows(text: str) -> str:
    return text[text.index("Where children live") :]


def figures(text: str) -> str:
    """The report without its notes (which explain "fewer than 5" whether or not it is used)."""
    return text[: text.index("About these figures")]


# --- Who may open it --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_committee_report_opens_for_every_role(make_user, report_la, role):
    response = page(client_for(make_user(role, report_la)))
    assert response.status_code == 200
    text = page_text(response)
    assert f"Corporate parenting committee report: {report_la.name}, 31 October 2026" in text
    assert "Fewer children living in children's homes" in text
    assert "Where children live" in text
    assert "About these figures" in text


def test_committee_report_needs_a_login(report_la):
    for name in ("dashboard-committee", "dashboard-committee-pdf"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_committee_report_refuses_a_user_without_a_role(make_user, report_la):
    assert page(client_for(make_user(None, report_la))).status_code == 403


@pytest.mark.parametrize("name", ["dashboard-committee", "dashboard-committee-pdf"])
def test_committee_report_of_another_authority_is_not_found(make_user, report_la, other_la, name):
    client = client_for(make_user("officers", report_la))
    assert client.get(reverse(name), {"la": other_la.pk}).status_code == 404
    assert client.get(reverse(name), {"la": "not-a-number"}).status_code == 404


def test_committee_report_lets_a_user_with_several_authorities_choose(
    make_user, report_la, other_la
):
    stored_value(other_la, "cla_count", OCT, 50, 50)
    client = client_for(make_user("officers", report_la, other_la))
    text = page_text(page(client, la=other_la.pk))
    assert f"Corporate parenting committee report: {other_la.name}" in text
    assert "Local authority" in text  # the chooser


def test_committee_report_month_can_be_chosen(make_user, report_la):
    text = page_text(page(client_for(make_user("committee", report_la)), period="2026-09-30"))
    assert "committee report: " + report_la.name + ", 30 September 2026" in text


def test_committee_report_says_when_there_are_no_figures(make_user, la):
    text = page_text(page(client_for(make_user("committee", la))))
    assert f"There are no figures for {la.name} yet." in text
    pdf = client_for(make_user("committee", la)).get(reverse("dashboard-committee-pdf"))
    assert pdf.status_code == 404


# --- What the committee sees ------------------------------------------------------------------


def test_committee_sees_small_numbers_suppressed(make_user, report_la):
    text = page_text(page(client_for(make_user("committee", report_la))))
    assert "Small numbers are suppressed, as the committee sees them." in text
    # Children's homes: 7 now, 4 the month before -> "fewer than 5", and no change shown.
    assert "Month before (30 September 2026) fewer than 5 A year before" in text
    # Three or more placements: 3 children of 37, so the percentage is not shown, nor its status.
    assert "8.1%" not in text
    assert "Not shown: small number" in text
    # No toggle for the committee: they cannot see the small numbers.
    assert "Preview as the committee sees it" not in text
    assert "Show every number" not in text


def test_committee_sees_secondary_suppression_in_where_children_live(make_user, report_la):
    text = placement_rows(page_text(page(client_for(make_user("committee", report_la)))))
    assert "Supported accommodation and independent living (16 and over) fewer than 5" in text
    # 3 could be worked out from 37 minus the rest, so kinship fostering (6) is hidden too.
    assert f"Fostering with relatives or friends (kinship) {SECONDARY_TEXT}" in text
    assert "Children's homes 7" in text
    assert "Placed for adoption 0" in text  # zeros are shown
    assert "Other placements 0" in text
    assert "All children looked after 37" in text


def test_committee_promise_is_hidden_when_its_group_is_hidden_by_secondary_suppression(
    make_user, la
):
    # Children's homes (7) is now the smallest group after the small one, so it is hidden in the
    # table; the promise must not show it either, nor its status against the target.
    store_month(la, OCT, {**OCT_COUNTS, "kinship_fostering": 8, "cla_count": 39}, OCT_RATIOS)
    Target.objects.create(la=la, indicator="residential_count", value=5, start_date=OCT)
    report = build_report(la=la, period_end=None, suppressed=True)
    homes = next(row for row in report.promises if row.definition.key == "residential_count")
    table = {row.label: row.shown for row in report.placements}
    assert table["Children's homes"].text == SECONDARY_TEXT
    assert homes.value.suppressed
    assert homes.value.value is None
    assert homes.rag is None
    assert homes.rag_words == "Not shown: small number"
    assert homes.points[-1] == (OCT, None)  # and the chart has a gap


def test_committee_agency_share_is_hidden_when_a_fostering_group_is_hidden(report_la):
    # 33.3% of foster placements with agencies, with 9 agency placements shown, says there are
    # 27 foster placements: 27 - 12 in-house - 9 agency = 6 in kinship care, hidden in the table.
    report = build_report(la=report_la, period_end=None, suppressed=True)
    agency = next(row for row in report.promises if row.definition.key == "ifa_share")
    table = {row.label: row.shown for row in report.placements}
    assert table["Fostering with relatives or friends (kinship)"].suppressed
    assert agency.value.suppressed
    assert agency.rag_words == "Not shown: small number"
    assert agency.previous.text == "33.3%"  # no table for the month before: shown


def test_committee_chart_leaves_out_small_months(make_user, report_la):
    report = build_report(la=report_la, period_end=None, suppressed=True)
    homes = next(row for row in report.promises if row.definition.key == "residential_count")
    assert homes.points == [(OCT_BEFORE, 10.0), (SEP, None), (OCT, 7.0)]
    assert homes.chart.figure["data"][0]["y"] == [10.0, None, 7.0]
    assert "Months with small numbers are not shown." in homes.chart.summary


def test_committee_report_shows_rag_in_words_with_a_shape(make_user, report_la):
    text = page_text(page(client_for(make_user("committee", report_la))))
    # Children's homes: 7 against 5 or lower with 2 to spare: close to target.
    assert "▲Close to target" in text


def test_committee_report_shows_neighbours_and_england_as_published(make_user, published):
    text = page_text(page(client_for(make_user("committee", published))))
    assert "Statistical neighbours 71 per 10,000 (mean of 2 of 10 neighbours, 31 March 2026)" in (
        text
    )
    assert "England 70 per 10,000 (31 March 2026)" in text


def test_committee_report_shows_commentary_or_says_there_is_none(make_user, report_la):
    text = page_text(page(client_for(make_user("committee", report_la))))
    assert "Moves rose after two carers retired. Recruitment is under way." in text
    assert "No commentary this month." in text


def test_committee_report_never_shows_a_child(make_user, report_la):
    for role in ROLES:
        client = client_for(make_user(role, report_la))
        for params in ({}, {"suppressed": "1"}):
            body = page(client, **params).content.decode()
            pdf = pdf_text(client.get(reverse("dashboard-committee-pdf"), params).content)
            for child_id in SECRET_IDS:
                assert child_id not in body
                assert child_id not in pdf
            assert "/children/" not in body


# --- Officers, data staff and admins ----------------------------------------------------------


@pytest.mark.parametrize("role", ["officers", "data_staff", "admin"])
def test_others_see_every_number_unless_they_preview(make_user, report_la, role):
    client = client_for(make_user(role, report_la))
    text = page_text(page(client))
    assert "Small numbers are not suppressed" in text
    assert "Preview as the committee sees it" in text
    assert "8.1%" in text
    assert "Supported accommodation and independent living (16 and over) 3" in text
    assert "fewer than 5" not in figures(text)
    assert SECONDARY_TEXT not in figures(text)

    preview = page_text(page(client, suppressed="1"))
    assert "Small numbers are suppressed, as the committee sees them." in preview
    assert "This is a preview of what committee members see. Show every number" in preview
    assert "8.1%" not in preview
    assert "fewer than 5" in preview


def test_committee_member_cannot_switch_suppression_off(make_user, report_la):
    client = client_for(make_user("committee", report_la))
    text = page_text(page(client, suppressed="0"))
    assert "8.1%" not in text
    assert "fewer than 5" in text
    pdf = pdf_text(client.get(reverse("dashboard-committee-pdf"), {"suppressed": "0"}).content)
    assert "8.1%" not in pdf
    assert "fewer than 5" in pdf


# --- The PDF ----------------------------------------------------------------------------------


def test_committee_pdf_is_an_attachment_named_for_the_authority_and_month(make_user, report_la):
    response = client_for(make_user("committee", report_la)).get(
        reverse("dashboard-committee-pdf"), {"period": "2026-10-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="committee-report-{report_la.code}-2026-10-31.pdf"'
    )
    assert response.content.startswith(b"%PDF-")


def test_committee_pdf_for_the_committee_is_suppressed(make_user, report_la):
    client = client_for(make_user("committee", report_la))
    text = pdf_text(client.get(reverse("dashboard-committee-pdf")).content)
    assert f"Corporate parenting committee report: {report_la.name}, 31 October 2026" in text
    assert "Small numbers are suppressed, as the committee sees them." in text
    assert "fewer than 5" in text
    assert SECONDARY_TEXT in text
    assert "8.1%" not in text
    assert "Moves rose after two carers retired." in text
    assert "Close to target" in text


def test_committee_pdf_for_others_follows_the_toggle_and_says_so(make_user, report_la):
    client = client_for(make_user("officers", report_la))
    full = pdf_text(client.get(reverse("dashboard-committee-pdf")).content)
    assert "Small numbers are not suppressed" in full
    assert "8.1%" in full
    assert "fewer than 5" not in figures(full)
    preview = pdf_text(client.get(reverse("dashboard-committee-pdf"), {"suppressed": "1"}).content)
    assert "Small numbers are suppressed, as the committee sees them." in preview
    assert "8.1%" not in preview


def test_committee_pdf_can_be_built_uncompressed(report_la):
    report = build_report(la=report_la, period_end=OCT, suppressed=True)
    content = build_pdf(report, compress=False)
    assert b"(fewer than 5) Tj" in content


def test_committee_pdf_escapes_commentary_markup(make_user, report_la):
    # Unbalanced markup would stop reportlab; escaped, it is printed as written.
    Commentary.objects.filter(la=report_la).update(text="Homes < 5 & <b>falling")
    response = client_for(make_user("officers", report_la)).get(reverse("dashboard-committee-pdf"))
    assert response.status_code == 200
    assert "Homes<5&<b>falling" in pdf_text(response.content).replace(" ", "")


# --- Query budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard-committee", "dashboard-committee-pdf"])
def test_committee_report_stays_within_its_query_budget(
    make_user, published, django_assert_max_num_queries, name
):
    Commentary.objects.create(la=published, indicator="cla_rate", period_end=OCT, text="Steady.")
    client = client_for(make_user("committee", published))
    client.get(reverse("dashboard-index"))
    # One to read the session; a committee member's first download of the PDF issues the
    # report: 4 more to write it, and one to read whether the figures are up to date.
    with django_assert_max_num_queries(17 if name.endswith("pdf") else 12):
        response = client.get(reverse(name), {"period": "2026-10-31", "suppressed": "1"})
    assert response.status_code == 200
