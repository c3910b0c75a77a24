"""The fostering page: capacity, costs, and what moving children to in-house care is worth."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.helpers import OCT, client_for, spaced_page_text, stored_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def fostering(la):
    for key, count in {"fostering_households": 40, "approved_places": 80, "places_filled": 64,
                       "vacancies": 16, "carer_approvals": 3, "carer_deregistrations": 1,
                       "in_house_fostering": 60, "cla_count": 200}.items():  # fmt: skip
        stored_value(la, key, OCT, count, count)
    stored_value(la, "utilisation", OCT, 64, 80)
    stored_value(la, "ifa_share", OCT, 40, 120)
    # Average weekly costs: numerator in pence over the children with a known cost.
    for key, total, children in (("avg_cost_in_house_fostering", 60 * 50_000, 60),
                                 ("avg_cost_agency_fostering", 40 * 100_000, 40),
                                 ("avg_cost_childrens_homes", 3 * 600_000, 3)):  # fmt: skip
        row = stored_value(la, key, OCT, total, children)
        row.value = total / children / 100
        row.save()
    return la


def url(**params: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("dashboard-fostering") + (f"?{query}" if query else "")


@pytest.mark.parametrize("role", ["officers", "committee", "data_staff", "admin"])
def test_fostering_page_opens_for_every_role(make_user, fostering, role):
    assert client_for(make_user(role, fostering)).get(url()).status_code == 200


def test_fostering_page_shows_capacity_and_costs(make_user, fostering):
    text = spaced_page_text(client_for(make_user("officers", fostering)).get(url()))
    assert "Approved places" in text or "approved places" in text
    assert "80.0%" in text  # utilisation 64 / 80
    assert "£500" in text and "£1,000" in text


def test_moving_children_to_in_house_care_is_worked_out_at_own_costs(make_user, fostering):
    text = spaced_page_text(client_for(make_user("officers", fostering)).get(url(children=5)))
    # 5 children x (£1,000 - £500) a week x 52 weeks.
    assert "would save about £130,000 a year" in text
    assert "£500 a week less for each child" in text


def test_a_number_of_children_out_of_range_is_refused(make_user, fostering):
    text = spaced_page_text(client_for(make_user("officers", fostering)).get(url(children=0)))
    assert "Enter a number of children from 1 to 500." in text


def test_committee_does_not_see_averages_over_fewer_than_5_children(make_user, fostering):
    officer = spaced_page_text(client_for(make_user("officers", fostering)).get(url()))
    committee = spaced_page_text(client_for(make_user("committee", fostering)).get(url()))
    assert "£6,000" in officer  # children's homes: 3 children
    assert "£6,000" not in committee
    assert "fewer than 5" in committee  # 3 approvals, 1 deregistration


def test_fostering_page_of_another_authority_is_not_found(make_user, fostering, other_la):
    response = client_for(make_user("officers", other_la)).get(url(la=fostering.pk))
    assert response.status_code == 404


def test_fostering_page_when_nothing_is_computed(make_user, la):
    text = spaced_page_text(client_for(make_user("officers", la)).get(url()))
    assert "No indicators have been computed" in text


def test_committee_report_has_fostering_and_costs_in_aggregate(make_user, fostering):
    committee = spaced_page_text(
        client_for(make_user("committee", fostering)).get(reverse("dashboard-committee"))
    )
    assert "Fostering and costs" in committee
    section = committee[committee.index("Fostering and costs") :]
    assert "£500" in section and "£1,000" in section
    assert "£6,000" not in section  # children's homes: an average over 3 children


def test_carer_counts_have_no_list_of_children(make_user, fostering):
    client = client_for(make_user("officers", fostering))
    page = spaced_page_text(client.get(reverse("dashboard-indicator", args=["approved_places"])))
    assert "See the children counted" not in page
    response = client.get(
        reverse("dashboard-children"), {"indicator": "approved_places", "period": "2026-10-31"}
    )
    assert response.status_code == 404
