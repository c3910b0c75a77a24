"""The benchmarks page through the test client: importing published files, and what is held."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.benchmark_forms import NO_BENCHMARK_FILES, NOT_CSV
from dashboard.pages.benchmarks import year_ranges
from placements.models import ImportLog, LocalAuthority
from sufficiency.benchmark_import import import_benchmark_file
from sufficiency.benchmarks import REFUSED_LAYOUT
from sufficiency.models import PublishedValue, StatisticalNeighbour
from tests.conftest import LocalAuthorityFactory
from tests.helpers import benchmark_imports, client_for, page_words

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[2] / "fixtures" / "dfe"
EES_NUMBERS = FIXTURES / "cla_number_and_rate_per_10k_children.csv"
EES_STABILITY = FIXTURES / "la_cla_placement_stability.csv"
SN_2021 = FIXTURES / "New_Statistical_Neighbour_Groupings_April_2021.csv"
SN_2025 = FIXTURES / "sn_model_2025_wide.csv"
URL = reverse("dashboard-benchmarks")


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def bad_layout(name: str = "my_download.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"area,children\r\nNorthtown,321\r\n", content_type="text/csv")


def imported(path: Path) -> None:
    import_benchmark_file(name=path.name, content=path.read_bytes(), who="earlier")


def published_snapshot() -> list[tuple]:
    return list(
        PublishedValue.objects.order_by("pk").values_list(
            "indicator", "level", "la_code", "year", "value", "marker", "source", "imported_at"
        )
    )


# --- Who may see what ------------------------------------------------------------------------


def test_benchmarks_anonymous_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["data_staff", "admin"])
def test_benchmarks_page_opens_for_data_staff_and_admin(make_user, la, role: str) -> None:
    response = client_for(make_user(role, la)).get(URL)
    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b'<label class="label" for="id_files">' in response.content
    text = page_words(response)
    assert "Published figures held" in text
    assert "No published figures have been imported yet." in text
    assert f"No statistical neighbour list is held for {la.name}." in text


@pytest.mark.parametrize("role", ["officers", "committee", None])
def test_benchmarks_is_forbidden_to_other_roles(make_user, la, role: str | None) -> None:
    client = client_for(make_user(role, la))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"files": [upload(EES_NUMBERS)]}).status_code == 403
    assert not PublishedValue.objects.exists()
    assert not benchmark_imports().exists()


# --- Importing -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["data_staff", "admin"])
def test_benchmarks_import_shows_rows_and_what_is_held(make_user, la, role: str) -> None:
    user = make_user(role, la)
    response = client_for(user).post(URL, {"files": [upload(EES_NUMBERS)]}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    record = benchmark_imports().get()
    assert (record.status, record.kind, record.who) == ("done", "ees_cla_numbers", user.username)
    assert record.rows == PublishedValue.objects.count() > 0
    text = page_words(response)
    assert (
        f"Imported {record.rows} rows from cla_number_and_rate_per_10k_children.csv "
        "(EES CLA numbers)." in text
    )
    # What is held: England and the authorities, with years covered, and the import listed.
    assert "EES: CLA numbers and rates England 2025 1" in text
    assert "EES: CLA numbers and rates Local authority 2024 to 2025 3" in text
    assert "cla_number_and_rate_per_10k_children.csv EES CLA numbers" in text


def test_benchmarks_import_several_files_each_on_its_own(make_user, la) -> None:
    files = [upload(EES_NUMBERS), bad_layout(), upload(SN_2025)]
    response = client_for(make_user("data_staff", la)).post(URL, {"files": files}, follow=True)

    text = page_words(response)
    assert "(EES CLA numbers)." in text
    assert "from sn_model_2025_wide.csv (statistical neighbours, 2025 model)." in text
    assert REFUSED_LAYOUT.format(name="my_download.csv") + " Nothing was changed." in text
    statuses = sorted(benchmark_imports().values_list("file_name", "status"))
    assert statuses == [
        ("cla_number_and_rate_per_10k_children.csv", "done"),
        ("my_download.csv", "refused"),
        ("sn_model_2025_wide.csv", "done"),
    ]
    assert StatisticalNeighbour.objects.filter(model="2025").exists()


def test_benchmarks_bad_layout_is_refused_and_nothing_changes(make_user, la) -> None:
    imported(EES_NUMBERS)
    imported(SN_2021)
    before = published_snapshot()
    neighbours = list(StatisticalNeighbour.objects.values_list("model", "la_code", "rank"))

    response = client_for(make_user("data_staff", la)).post(
        URL, {"files": [bad_layout()]}, follow=True
    )

    assert REFUSED_LAYOUT.format(name="my_download.csv") in page_words(response)
    assert b"notice--error" in response.content
    assert published_snapshot() == before
    assert list(StatisticalNeighbour.objects.values_list("model", "la_code", "rank")) == neighbours
    refused = benchmark_imports().get(file_name="my_download.csv")
    assert (refused.status, refused.rows) == ("refused", 0)


def test_benchmarks_file_that_is_not_csv_is_refused_by_the_form(make_user, la) -> None:
    workbook = SimpleUploadedFile("figures.xlsx", b"PK\x03\x04", content_type="application/zip")
    response = client_for(make_user("data_staff", la)).post(URL, {"files": [workbook]})

    assert response.status_code == 200
    text = page_words(response)
    assert "There is a problem" in text
    assert NOT_CSV.format(name="figures.xlsx").replace('"', "&quot;") in text
    assert not benchmark_imports().exists()


def test_benchmarks_no_file_chosen_says_so(make_user, la) -> None:
    response = client_for(make_user("admin", la)).post(URL, {})
    assert response.status_code == 200
    assert NO_BENCHMARK_FILES in page_words(response)
    assert "<title>Error: Published figures" in response.content.decode()


# --- What is held ----------------------------------------------------------------------------


def test_benchmarks_neighbours_only_for_the_users_own_authorities(make_user) -> None:
    northtown = LocalAuthorityFactory(code="801", name="Northtown")
    westvale = LocalAuthorityFactory(code="803", name="Westvale")
    imported(SN_2021)
    imported(SN_2025)

    response = client_for(make_user("data_staff", northtown)).get(URL)

    text = page_words(response)
    assert "Statistical neighbours of Northtown, closest first" in text
    assert "Statistical neighbours of Westvale" not in text
    assert b'id="neighbours-803"' not in response.content
    # Northtown's 2025 list starts with Westvale, named because it uses the product too.
    assert f"1 802 {westvale.name} (803)" in text


def test_benchmarks_neighbour_lists_say_which_years_they_are_used_for(make_user) -> None:
    northtown = LocalAuthorityFactory(code="801", name="Northtown")
    oldshire = LocalAuthorityFactory(code="802", name="Oldshire")
    westvale = LocalAuthorityFactory(code="803", name="Westvale")
    imported(SN_2021)
    imported(SN_2025)

    user = make_user("data_staff", northtown, oldshire, westvale)
    text = page_words(client_for(user).get(URL))

    # Northtown has both lists; Oldshire only the 2021 one, Westvale only the 2025 one.
    assert (
        "Northtown (801) April 2021 model Used for 31 March 2024 and earlier "
        "2025 model Used for 31 March 2025 onwards" in text
    )
    assert "Oldshire (802) April 2021 model Used for every year" in text
    assert "Westvale (803) 2025 model Used for every year" in text


def test_benchmarks_recent_imports_are_the_last_20_with_long_dates(make_user, la) -> None:
    for number in range(25):
        ImportLog.objects.create(
            importer=ImportLog.Importer.BENCHMARKS, who="someone",
            file_name=f"file-{number:02d}.csv", sha256="0" * 64,
            kind="lait_cla", rows=12345, status="done", message="ok",
        )  # fmt: skip
    newest = benchmark_imports().get(file_name="file-24.csv")
    ImportLog.objects.filter(pk=newest.pk).update(
        imported_at=timezone.make_aware(dt.datetime(2030, 3, 31, 9, 30))
    )

    text = page_words(client_for(make_user("data_staff", la)).get(URL))

    assert "The last 20 imports, newest first" in text
    assert "31 March 2030 09:30 someone file-24.csv LAIT CLA measures 12,345 Done" in text
    assert "file-05.csv" in text
    assert "file-04.csv" not in text


def test_benchmarks_page_queries_do_not_grow_with_authorities(make_user) -> None:
    imported(EES_NUMBERS)
    imported(SN_2021)
    imported(SN_2025)
    one = [LocalAuthorityFactory(code="801", name="Northtown")]
    three = [*one, LocalAuthorityFactory(code="802"), LocalAuthorityFactory(code="803")]

    counts = []
    for authorities in (one, three):
        client = client_for(make_user("data_staff", *authorities))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_year_ranges_joins_consecutive_years() -> None:
    assert year_ranges([2016, 2017, 2018, 2021, 2023, 2024]) == "2016 to 2018, 2021, 2023 to 2024"
    assert year_ranges([2025]) == "2025"
    assert year_ranges([]) == ""


def test_benchmarks_held_counts_areas_and_markers(make_user, la: LocalAuthority) -> None:
    imported(EES_STABILITY)
    text = page_words(client_for(make_user("data_staff", la)).get(URL))
    held = PublishedValue.objects.filter(source="ees_placement_stability", level="la")
    markers = held.filter(value__isnull=True).count()
    areas = held.values("la_code").distinct().count()
    assert (
        f"EES: placement stability Local authority 2024 to 2025 {areas} {held.count()} {markers}"
        in text
    )
