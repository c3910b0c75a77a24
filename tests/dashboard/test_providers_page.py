"""The providers page: who may see it, the providers we use with their counts of children, local
capacity within 20 miles, filters, the CSV download and the number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from dashboard.centres import authority_centre
from dashboard.pages.providers import provider_usage
from placements.models import Child, Episode, ImportLog, PlacementCost, Provider, Upload
from tests.helpers import client_for, page_text
from tests.placements.provider_workbooks import LAMBETH, MAIDSTONE, SE1, SE15, SOUTHWARK

pytestmark = pytest.mark.django_db

URL = reverse("dashboard-providers")
AS_AT = dt.date(2025, 3, 31)
# Southwark's centre: the mean of its postcodes in the installed ONS directory.
CENTRE = (533502, 177818)
SECRET_IDS = ("SECRET01", "SECRET02", "SECRET03", "SECRET04", "SECRET05", "SECRET06",
              "SECRET07", "SECRET08")  # fmt: skip


def provider(urn: str, name: str, **fields: object) -> Provider:
    values = {
        "provider_type": "Children's Home", "sector": "Private", "owner_name": "Brightwater Ltd",
        "registered_places": 4, "postcode": SE15, "district": SOUTHWARK, "easting": 534080,
        "northing": 176520, "registration_status": "Active",
        "last_inspection_date": dt.date(2024, 10, 8), "overall_effectiveness": "Good",
        "source_list": "Children's Homes list", "local_authority": "Southwark",
    }  # fmt: skip
    values.update(fields)
    return Provider.objects.create(urn=urn, name=name, **values)


def episode(la, child_id: str, urn: str, decom: dt.date, dec: dt.date | None = None, **fields):
    child, _ = Child.objects.get_or_create(
        la=la,
        child_id=child_id,
        defaults={"sex": "1", "dob": dt.date(2010, 1, 1), "ethnic": "WBRI"},
    )
    return Episode.objects.create(
        la=la, child=child, decom=decom, dec=dec, rec="E11" if dec else "", rne="S", ls="C2",
        cin="N1", place="K2", place_provider="PR4", urn=urn, **fields,
    )  # fmt: skip


@pytest.fixture
def southwark(la):
    la.districts = [SOUTHWARK]
    la.save()
    Upload.objects.create(
        la=la, status=Upload.Status.LOADED, as_at=AS_AT, fingerprint="a", applied_seq=1
    )
    # A later carers extract does not move "now": only 903 extracts hold placements.
    Upload.objects.create(
        la=la, kind=Upload.Kind.CARERS, status=Upload.Status.LOADED, as_at=dt.date(2025, 6, 30),
        fingerprint="b", applied_seq=2,
    )  # fmt: skip
    ImportLog.objects.create(
        importer=ImportLog.Importer.PROVIDERS, file_name="homes.xlsx", sha256="0" * 64,
        kind="Children's Homes list", status=ImportLog.Status.DONE,
    )  # fmt: skip
    provider("SC100001", "Brightwater House")
    provider(
        "1200001", "Kith Fostering", provider_type="Independent Fostering Agency",
        registered_places=120, postcode=SE1, district=LAMBETH, easting=530625, northing=179850,
        overall_effectiveness="Outstanding", last_inspection_date=dt.date(2023, 6, 12),
    )  # fmt: skip
    provider(
        "SC100003", "Oak Lodge", postcode=MAIDSTONE, district="E07000110", easting=576017,
        northing=156294, overall_effectiveness="Requires improvement to be good",
        registered_places=3,
    )  # fmt: skip
    # Near, registered, not used by us: local capacity only.
    provider("SC100004", "Bromley Grange", postcode="BR1 1AA", district="E09000006",
             easting=540291, northing=168873, registered_places=5, overall_effectiveness="")  # fmt: skip
    # Near but closed, and near but not a children's home: not local capacity.
    provider("SC100005", "Shut House", registration_status="Closed",
             closed_date=dt.date(2024, 1, 1))  # fmt: skip
    provider("1200006", "Near Agency", provider_type="Independent Fostering Agency")

    c1, c2, c3, c4, c5, c6, c7, c8 = SECRET_IDS
    # Brightwater: two now, three in the 12 months (one ended in the window, one on its first day).
    first = episode(la, c1, "SC100001", dt.date(2024, 6, 1), distance=1.2, weekly_cost=4000)
    PlacementCost.objects.create(la=la, child_id=c1, decom=first.decom, weekly_cost=5000)
    episode(la, c2, "sc100001", dt.date(2025, 1, 10), distance=3.0, weekly_cost=3000)
    episode(la, c3, "SC100001", dt.date(2024, 2, 1), dt.date(2024, 12, 1))
    episode(la, c4, "SC100001", dt.date(2023, 2, 1), dt.date(2024, 3, 31))
    # Kith: one now, no cost.
    episode(la, c5, "1200001", dt.date(2023, 5, 1), distance=2.5)
    # Oak Lodge: ended on the as-at date, so not now, but within the 12 months.
    episode(la, c6, "SC100003", dt.date(2024, 9, 1), dt.date(2025, 3, 31))
    # A URN on no list, and one not registered with Ofsted.
    episode(la, c7, "SC999999", dt.date(2024, 8, 1))
    episode(la, c8, "XXXXXXX", dt.date(2024, 8, 1))
    return la


def table_rows(response) -> dict[str, list[str]]:
    """The providers table: URN -> the cells of its row, as text."""
    table = response.context["table"]
    return {
        row.record["urn"]: [strip_tags(str(cell)).strip() for cell in row]
        for row in table.paginated_rows
    }


def column(response, name: str) -> dict[str, str]:
    table = response.context["table"]
    index = [c.name for c in table.columns].index(name)
    return {urn: cells[index] for urn, cells in table_rows(response).items()}


# --- Who may see it --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officers", "data_staff", "admin"])
def test_providers_page_opens_for_officers_data_staff_and_admin(southwark, make_user, role) -> None:
    response = client_for(make_user(role, southwark)).get(URL)
    assert response.status_code == 200
    assert "Providers we use" in page_text(response)


def test_providers_page_is_forbidden_to_committee(southwark, make_user) -> None:
    assert client_for(make_user("committee", southwark)).get(URL).status_code == 403


def test_providers_page_sends_anonymous_to_sign_in(southwark) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_providers_page_of_another_authority_is_not_found(southwark, other_la, make_user) -> None:
    client = client_for(make_user("officers", southwark))
    assert client.get(URL, {"la": other_la.pk}).status_code == 404


# --- Providers we use ------------------------------------------------------------------------


def test_children_now_and_in_the_last_12_months_per_provider(southwark, make_user) -> None:
    response = client_for(make_user("officers", southwark)).get(URL)

    assert column(response, "children_now") == {"SC100001": "2", "1200001": "1", "SC100003": "0"}
    assert column(response, "children_12m") == {"SC100001": "3", "1200001": "1", "SC100003": "1"}
    text = page_text(response)
    assert "On 31 March 2025, 3 children were placed with 2 of them." in text
    assert "name 3 providers on the Ofsted lists" in text


def test_provider_row_shows_grade_places_distance_and_cost(southwark, make_user) -> None:
    response = client_for(make_user("officers", southwark)).get(URL)

    rows = table_rows(response)
    assert list(rows) == ["SC100001", "1200001", "SC100003"]  # most children now first
    brightwater = dict(zip([c.name for c in response.context["table"].columns],
                           rows["SC100001"], strict=True))  # fmt: skip
    assert brightwater["name"] == "Brightwater House"
    assert brightwater["provider_type"] == "Children's Home"
    assert brightwater["sector"] == "Private"
    assert brightwater["owner_name"] == "Brightwater Ltd"
    assert brightwater["grade"] == "Good, 8 October 2024"
    assert brightwater["registered_places"] == "4"
    assert brightwater["median_distance"] == "2.1"
    # The costs extract's £5,000 wins over the episode's £4,000: (5,000 + 3,000) / 2.
    assert brightwater["weekly_cost"] == "£4,000 a week"
    assert column(response, "weekly_cost")["1200001"] == ""
    assert column(response, "registered_places")["1200001"] == "120"


def test_inside_or_outside_the_authority(southwark, make_user) -> None:
    response = client_for(make_user("officers", southwark)).get(URL)

    assert column(response, "location") == {
        "SC100001": "Inside",
        "1200001": "Outside",
        "SC100003": "Outside",
    }


def test_urns_on_no_list_are_counted_without_naming_children(southwark, make_user) -> None:
    response = client_for(make_user("officers", southwark)).get(URL)

    text = page_text(response)
    assert (
        "1 placement episode names a URN that is on none of the lists held (1 different URN)"
        in text
    )
    for child_id in SECRET_IDS:
        assert child_id not in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "urns"),
    [
        ({"provider_type": "Children's Home"}, {"SC100001", "SC100003"}),
        ({"grade": "Outstanding"}, {"1200001"}),
        ({"location": "inside"}, {"SC100001"}),
        ({"location": "outside"}, {"1200001", "SC100003"}),
        ({"location": "near"}, {"SC100001", "1200001"}),
        ({"provider_type": "Children's Home", "location": "near"}, {"SC100001"}),
        ({"grade": "No such grade"}, {"SC100001", "1200001", "SC100003"}),
    ],
)
def test_filters_narrow_the_providers(southwark, make_user, filters, urns) -> None:
    response = client_for(make_user("officers", southwark)).get(URL, filters)

    assert set(table_rows(response)) == urns
    assert f"Showing {len(urns)} of 3 providers." in page_text(response)


def test_table_sorts_by_a_column(southwark, make_user) -> None:
    response = client_for(make_user("officers", southwark)).get(URL, {"sort": "-registered_places"})

    assert list(table_rows(response)) == ["1200001", "SC100001", "SC100003"]


def test_csv_download_has_every_filtered_provider_and_no_child(southwark, make_user) -> None:
    client = client_for(make_user("officers", southwark))
    page = client.get(URL, {"provider_type": "Children's Home", "page": "1"})
    link = page.context["export_query"]
    assert f"la={southwark.pk}" in link and "page" not in link

    response = client.get(f"{URL}?{link}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "providers-" in response["Content-Disposition"]
    content = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["urn"] for row in rows] == ["SC100001", "SC100003"]
    first = rows[0]
    assert first["provider"] == "Brightwater House"
    assert first["inspection_grade"] == "Good"
    assert first["inspection_date"] == "2024-10-08"
    assert first["children_now"] == "2"
    assert first["children_last_12_months"] == "3"
    assert first["median_miles_from_home"] == "2.1"
    assert first["average_weekly_cost"] == "4000.0"
    assert first["inside_or_outside"] == "Inside"
    assert rows[1]["average_weekly_cost"] == ""
    for child_id in SECRET_IDS:
        assert child_id not in content


# --- Local capacity --------------------------------------------------------------------------


def test_local_capacity_lists_registered_childrens_homes_within_20_miles(
    southwark, make_user
) -> None:
    response = client_for(make_user("officers", southwark)).get(URL)

    homes = response.context["homes_table"]
    assert [row.record["urn"] for row in homes.paginated_rows] == ["SC100001", "SC100004"]
    assert [row.record["miles_text"] for row in homes.paginated_rows] == ["0.9", "7.0"]
    text = page_text(response)
    assert "2 registered children's homes within 20 miles of the centre" in text
    assert "with 9 registered places in all" in text
    assert "1.6093" in text  # how the distance is measured


def test_authority_without_districts_is_told_why_capacity_is_missing(la, make_user) -> None:
    response = client_for(make_user("officers", la)).get(URL)

    text = page_text(response)
    assert "the authority has no ONS districts set" in text
    assert "No 903 extract has been loaded" in text
    assert "No Ofsted provider list has been imported yet" in text


def test_authority_centre_is_the_mean_of_its_postcodes() -> None:
    centre = authority_centre([SOUTHWARK])

    assert centre is not None
    assert (round(centre.easting), round(centre.northing)) == CENTRE
    assert centre.postcodes > 10_000
    assert authority_centre([]) is None


# --- Queries ---------------------------------------------------------------------------------


def test_providers_page_queries_are_bounded(southwark, make_user, django_assert_max_num_queries):
    client = client_for(make_user("officers", southwark))
    client.get(URL)  # the authority's centre is worked out once per process
    for n in range(20):
        provider(f"SC2000{n:02d}", f"Home {n}")
        episode(southwark, f"MORE{n:02d}", f"SC2000{n:02d}", dt.date(2024, 6, 1))

    # 10, and the session, read from the database on every request.
    with django_assert_max_num_queries(11):
        response = client.get(URL)

    assert len(response.context["table"].rows) == 23


# --- The counting, without a database ----------------------------------------------------------


def test_provider_usage_counts_distinct_children_and_the_costs_extract_wins() -> None:
    episodes = pd.DataFrame(
        [
            # child, child_code, decom, dec, urn, distance, weekly_cost
            (1, "A", dt.date(2024, 1, 1), dt.date(2024, 6, 1), "sc1", 5.0, 100.0),
            (1, "A", dt.date(2024, 6, 1), None, "SC1", 7.0, 100.0),  # the same child again
            (2, "B", dt.date(2025, 3, 31), None, "SC1", None, None),  # starts on D: now
            (3, "C", dt.date(2025, 4, 1), None, "SC1", 1.0, 50.0),  # after D: not counted
        ],
        columns=["child", "child_code", "decom", "dec", "urn", "distance", "weekly_cost"],
    )
    costs = pd.DataFrame(
        [("B", dt.date(2025, 3, 31), 300.0)], columns=["child_code", "decom", "weekly_cost"]
    )

    usage = provider_usage(episodes, costs, as_at=AS_AT)

    row = usage.loc["SC1"]
    assert (row["children_now"], row["children_12m"], row["episodes"]) == (2, 2, 4)
    assert row["median_distance"] == 7.0  # only known distances
    assert row["weekly_cost"] == 200.0  # (100 + 300) / 2
