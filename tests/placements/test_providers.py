"""Ofsted provider workbooks: reading the three layouts, refusing others, importing, re-importing,
the import_providers command and the admin."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from placements.models import ImportLog, Provider, ProviderChange
from placements.provider_import import import_provider_file
from placements.providers import (
    CHILDRENS_HOMES,
    COMBINED_2025,
    SOCIAL_CARE_PROVIDERS,
    RefusedProviderFile,
    read_provider_workbook,
)
from tests.placements.provider_workbooks import (
    CHILDRENS_HOMES_HEADINGS,
    LAMBETH,
    LEEDS,
    MAIDSTONE,
    SE1,
    SE15,
    SOUTHWARK,
    childrens_home,
    childrens_homes_workbook,
    combined_provider,
    combined_workbook,
    social_care_provider,
    social_care_workbook,
    supported_accommodation,
    workbook,
)

LIMIT = 100 * 1024 * 1024
SAMPLES = Path("/work/shared/data/providers")


def read(content: bytes, name: str = "providers.xlsx"):
    return read_provider_workbook(name=name, content=content, max_unzipped_bytes=LIMIT)


def by_urn(parsed) -> dict[str, dict]:
    return {row["urn"]: row for row in parsed.frame.to_dict("records")}


# --- Reading each layout ---------------------------------------------------------------------


def test_childrens_homes_list_is_read_into_provider_fields() -> None:
    content = childrens_homes_workbook(
        [
            childrens_home("sc 100001", "Brightwater House"),
            childrens_home(1000002, "Hill View", **{"Closed Date": dt.datetime(2024, 5, 31),
                           "Provider Status": "Closed", "Max Users": "-",
                           "Overall Effectiveness": "-"}),
        ]
    )  # fmt: skip

    parsed = read(content)

    assert parsed.kind == CHILDRENS_HOMES
    rows = by_urn(parsed)
    assert set(rows) == {"SC100001", "1000002"}
    home = rows["SC100001"]
    assert home["name"] == "Brightwater House"
    assert home["provider_type"] == "Children's Home"
    assert home["sector"] == "Private"
    assert home["owner_name"] == "Brightwater Care Ltd"
    assert home["registered_places"] == 4
    assert home["postcode"] == SE15  # "se15 5ab" as typed, tidied
    assert home["local_authority"] == "Southwark"
    assert home["registration_status"] == "Active"
    assert home["registration_date"] == dt.date(2019, 4, 1)
    assert home["closed_date"] is None  # Ofsted's "-"
    assert home["placement_codes"] == "K2"
    assert home["provider_code"] == "PR4"
    assert home["last_inspection_date"] == dt.date(2024, 10, 8)
    assert home["overall_effectiveness"] == "Good"
    assert home["source_list"] == CHILDRENS_HOMES
    closed = rows["1000002"]
    assert closed["closed_date"] == dt.date(2024, 5, 31)
    assert closed["registered_places"] is None
    assert closed["overall_effectiveness"] == ""
    # The Children's Homes list has no top company: it is not among the fields it may change.
    assert "top_company" not in parsed.carried


def test_social_care_providers_list_reads_current_and_closed_sheets() -> None:
    content = social_care_workbook(
        [social_care_provider(1200001, "Kith Fostering")],
        [social_care_provider("SC200002", "Old Lane", **{"Registration status": None,
                              "Deregistration date": dt.datetime(2024, 11, 30)})],
    )  # fmt: skip

    parsed = read(content)

    assert parsed.kind == SOCIAL_CARE_PROVIDERS
    assert parsed.sheets == ["Current providers", "Providers closed in 2024-25"]
    rows = by_urn(parsed)
    agency = rows["1200001"]
    assert agency["provider_type"] == "Independent Fostering Agency"
    assert agency["owner_name"] == "Kith Ltd"
    assert agency["top_company"] == "Kith Group"
    assert agency["registered_places"] == 120
    assert agency["postcode"] == SE1
    assert agency["placement_codes"] == "U4/U5/U6"
    assert agency["provider_code"] == "PR4"
    assert agency["overall_effectiveness"] == "Outstanding"
    assert agency["last_inspection_date"] == dt.date(2023, 6, 12)
    closed = rows["SC200002"]
    assert closed["registration_status"] == "Closed"  # blank on the closed sheet
    assert closed["closed_date"] == dt.date(2024, 11, 30)
    assert closed["overall_effectiveness"] == "Outstanding"  # its heading differs in case


def test_combined_2025_list_reads_providers_and_supported_accommodation() -> None:
    content = combined_workbook(
        [combined_provider(1300001, "Oak Lodge")],
        [
            supported_accommodation(2400001, "Step Up", **{"Capacity": 6}),
            # A second setting of the same provider: its places add up, the first setting's
            # postcode is kept.
            supported_accommodation(2400001, "Step Up", **{"Capacity": 4,
                                    "Setting address postcode": SE15}),
        ],
    )  # fmt: skip

    parsed = read(content)

    assert parsed.kind == COMBINED_2025
    rows = by_urn(parsed)
    home = rows["1300001"]
    assert home["name"] == "Oak Lodge"
    assert home["provider_subtype"] == "Children's home"
    assert home["top_company"] == "Oak Holdings"
    assert home["registered_places"] == 3
    assert home["postcode"] == MAIDSTONE
    assert home["registration_status"] == "Registered"
    assert home["overall_effectiveness"] == "Requires improvement to be good"
    supported = rows["2400001"]
    assert supported["provider_type"] == "Supported accommodation"
    assert supported["registered_places"] == 10
    assert supported["postcode"] == LEEDS
    assert supported["local_authority"] == "Leeds"
    assert parsed.rows == 3


def test_headings_are_found_below_a_title_in_any_case_and_spacing() -> None:
    headings = [f"  {h.upper()} " for h in CHILDRENS_HOMES_HEADINGS] + ["A column Ofsted added"]
    row = {f"  {k.upper()} ": v for k, v in childrens_home("SC100001", "Brightwater").items()}
    content = childrens_homes_workbook(
        [row], headings=headings, title_rows=["Children's homes in England, 31 March 2025", ""]
    )

    rows = by_urn(read(content))

    assert rows["SC100001"]["name"] == "Brightwater"
    assert rows["SC100001"]["registered_places"] == 4


def test_dates_typed_as_text_and_urns_as_numbers_are_read() -> None:
    content = childrens_homes_workbook(
        [childrens_home(1000003.0, "Typed", **{"Registration Date": "01/04/2019",
                        "Full Inspection Start Date": "2024-10-08", "Max Users": "6"})]
    )  # fmt: skip

    row = by_urn(read(content))["1000003"]

    assert row["registration_date"] == dt.date(2019, 4, 1)
    assert row["last_inspection_date"] == dt.date(2024, 10, 8)
    assert row["registered_places"] == 6


def test_rows_without_urn_are_left_out_and_counted() -> None:
    content = childrens_homes_workbook(
        [childrens_home("SC100001", "Kept"), childrens_home(None, "No URN")]
    )

    parsed = read(content)

    assert list(parsed.frame["urn"]) == ["SC100001"]
    assert parsed.without_urn == 1


@pytest.mark.parametrize(
    ("file_name", "kind", "count"),
    [
        ("ch_fake.xlsx", CHILDRENS_HOMES, 1),
        ("scp_fake.xlsx", SOCIAL_CARE_PROVIDERS, 2),
        ("scp_ch_2025_fake.xlsx", COMBINED_2025, 2),
    ],
)
def test_real_layout_samples_are_recognised(file_name: str, kind: str, count: int) -> None:
    path = SAMPLES / file_name
    if not path.exists():
        pytest.skip("the shared layout samples are not on this machine")

    parsed = read(path.read_bytes(), name=file_name)

    assert parsed.kind == kind
    assert len(parsed.frame) == count
    assert parsed.frame["name"].str.len().gt(0).all()


# --- Refusing other files --------------------------------------------------------------------


def refusal(content: bytes, name: str = "list.xlsx") -> str:
    with pytest.raises(RefusedProviderFile) as caught:
        read(content, name=name)
    return str(caught.value)


def test_workbook_in_another_layout_is_refused_naming_the_file() -> None:
    content = workbook(("Sheet1", ["URN", "Name"], [{"URN": 1, "Name": "A"}]))

    message = refusal(content, name="my_list.xlsx")

    assert message.startswith('File "my_list.xlsx" is not an Ofsted provider list')
    assert "Provider information" in message


def test_layout_sheet_without_needed_headings_is_refused_saying_which() -> None:
    headings = [h for h in CHILDRENS_HOMES_HEADINGS if h != "Max Users"]
    content = childrens_homes_workbook([childrens_home("SC1", "A")], headings=headings)

    message = refusal(content, name="homes.xlsx")

    assert message == (
        'File "homes.xlsx" looks like the Children\'s Homes list, but its sheet '
        '"Provider information" has no column headed "Max users".'
    )


@pytest.mark.parametrize(
    ("content", "start"),
    [
        (b"URN,Setting Name\r\nSC1,Home\r\n", 'File "list.xlsx" is not an Excel workbook'),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 64, 'File "list.xlsx" is an old-style Excel .xls'),
        (b"PK\x03\x04 broken", 'File "list.xlsx" is a damaged Excel workbook'),
    ],
    ids=["csv", "xls", "damaged"],
)
def test_files_that_are_not_xlsx_are_refused(content: bytes, start: str) -> None:
    assert refusal(content).startswith(start)


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert refusal(out.getvalue()) == 'File "list.xlsx" could not be opened as an Excel workbook.'


def test_layout_with_headings_but_no_providers_is_refused() -> None:
    assert refusal(childrens_homes_workbook([])) == (
        'File "list.xlsx" has the Children\'s Homes list headings but no providers with a URN.'
    )


# --- Importing -------------------------------------------------------------------------------


def import_bytes(content: bytes, name: str = "homes.xlsx") -> ImportLog:
    return import_provider_file(name=name, content=content, who="tester")


def test_import_adds_providers_with_their_postcode_district_and_grid_reference(db: None) -> None:
    record = import_bytes(
        childrens_homes_workbook(
            [childrens_home("SC100001", "Brightwater"), childrens_home("SC100002", "Far Away",
             **{"Setting Address Postcode": "ZZ99 9ZZ"})]
        )
    )  # fmt: skip

    assert record.status == ImportLog.Status.DONE
    assert (record.kind, record.rows, record.added, record.changed) == (CHILDRENS_HOMES, 2, 2, 0)
    assert record.message == (
        "Imported 2 providers from homes.xlsx (Children's Homes list): 2 added, 0 changed."
    )
    home = Provider.objects.get(urn="SC100001")
    assert (home.district, home.easting, home.northing) == (SOUTHWARK, 534080, 176520)
    assert home.source_list == CHILDRENS_HOMES
    unknown = Provider.objects.get(urn="SC100002")
    assert (unknown.district, unknown.easting, unknown.northing) == ("", None, None)


def test_reimport_records_what_changed_and_keeps_providers_no_longer_listed(db: None) -> None:
    import_bytes(
        childrens_homes_workbook(
            [childrens_home("SC100001", "Brightwater"), childrens_home("SC100002", "Hill View")]
        )
    )

    record = import_bytes(
        childrens_homes_workbook(
            [childrens_home("SC100001", "Brightwater", **{"Overall Effectiveness": "Outstanding",
                            "Max Users": 5, "Setting Address Postcode": SE1}),
             childrens_home("SC100003", "New Home")]
        ),
        name="homes-2026.xlsx",
    )  # fmt: skip

    assert (record.added, record.changed) == (1, 1)
    assert record.message == (
        "Imported 2 providers from homes-2026.xlsx (Children's Homes list): 1 added, 1 changed."
    )
    changes = set(
        ProviderChange.objects.filter(provider_import=record).values_list(
            "provider__urn", "field", "old_value", "new_value"
        )
    )
    assert changes == {
        ("SC100001", "overall_effectiveness", "Good", "Outstanding"),
        ("SC100001", "registered_places", "4", "5"),
        ("SC100001", "postcode", SE15, SE1),
    }
    home = Provider.objects.get(urn="SC100001")
    assert (home.overall_effectiveness, home.registered_places) == ("Outstanding", 5)
    assert home.district == LAMBETH  # moved with its postcode
    # Not in the later file, and still held: Ofsted lists closed providers separately.
    assert Provider.objects.filter(urn="SC100002").exists()
    assert Provider.objects.count() == 3


def test_same_file_twice_changes_nothing(db: None) -> None:
    content = childrens_homes_workbook([childrens_home("SC100001", "Brightwater")])
    import_bytes(content)

    again = import_bytes(content)

    assert (again.added, again.changed) == (0, 0)
    assert not ProviderChange.objects.exists()


def test_fields_a_layout_lacks_are_not_blanked_by_it(db: None) -> None:
    import_bytes(
        combined_workbook([combined_provider("SC100001", "Oak Lodge")]), name="combined.xlsx"
    )

    import_bytes(childrens_homes_workbook([childrens_home("SC100001", "Oak Lodge")]))

    home = Provider.objects.get(urn="SC100001")
    assert home.top_company == "Oak Holdings"  # the Children's Homes list has no such column
    assert home.overall_effectiveness == "Good"  # it has this one, so it wins
    assert home.source_list == CHILDRENS_HOMES


def test_refused_file_is_recorded_and_changes_nothing(db: None) -> None:
    import_bytes(childrens_homes_workbook([childrens_home("SC100001", "Brightwater")]))

    record = import_bytes(b"URN,Name\r\n1,A\r\n", name="list.csv")

    assert record.status == ImportLog.Status.REFUSED
    assert record.message.startswith('File "list.csv" is not an Excel workbook')
    assert list(Provider.objects.values_list("urn", flat=True)) == ["SC100001"]


def test_import_is_all_or_nothing(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import_bytes(childrens_homes_workbook([childrens_home("SC100001", "Brightwater")]))

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(ProviderChange.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        import_bytes(
            childrens_homes_workbook(
                [childrens_home("SC100001", "Renamed"), childrens_home("SC100002", "New")]
            )
        )

    assert list(Provider.objects.values_list("urn", "name")) == [("SC100001", "Brightwater")]
    assert ImportLog.objects.filter(importer=ImportLog.Importer.PROVIDERS).count() == 1


# --- The command -----------------------------------------------------------------------------


def run(*paths: Path) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_providers", *map(str, paths), stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"{error}\n")
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def test_command_prints_one_line_per_file_and_exits_0(db: None, tmp_path: Path) -> None:
    homes = tmp_path / "homes.xlsx"
    homes.write_bytes(childrens_homes_workbook([childrens_home("SC100001", "Brightwater")]))
    scp = tmp_path / "scp.xlsx"
    scp.write_bytes(
        social_care_workbook(
            [social_care_provider(1200001, "Kith"), social_care_provider(1200002, "Kin")]
        )
    )

    out, err, code = run(homes, scp)

    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        "Imported 1 provider from homes.xlsx (Children's Homes list): 1 added, 0 changed.",
        "Imported 2 providers from scp.xlsx (Social Care Providers list): 2 added, 0 changed.",
    ]


def test_command_exits_1_for_other_layouts_and_still_imports_the_rest(
    db: None, tmp_path: Path
) -> None:
    other = tmp_path / "other.xlsx"
    other.write_bytes(workbook(("Sheet1", ["URN", "Name"], [{"URN": 1, "Name": "A"}])))
    csv = tmp_path / "homes.csv"
    csv.write_bytes(b"URN,Setting Name\r\nSC1,Home\r\n")
    good = tmp_path / "combined.xlsx"
    good.write_bytes(combined_workbook([combined_provider(1300001, "Oak Lodge")]))

    out, err, code = run(other, csv, good)

    assert code == 1
    assert out.splitlines() == [
        "Imported 1 provider from combined.xlsx (2025 combined list): 1 added, 0 changed."
    ]
    assert 'File "other.xlsx" is not an Ofsted provider list in a layout we know' in err
    assert 'File "homes.csv" is not an Excel workbook (.xlsx)' in err
    assert "Nothing was imported from it." in err
    assert "2 of 3 files not imported" in err
    assert Provider.objects.count() == 1


def test_command_exits_1_for_a_missing_or_unreadable_file(db: None, tmp_path: Path) -> None:
    out, err, code = run(tmp_path / "nowhere.xlsx", tmp_path)

    assert code == 1
    assert f"{tmp_path / 'nowhere.xlsx'} does not exist or is not a file." in err
    assert f"{tmp_path} does not exist or is not a file." in err


# --- Admin -----------------------------------------------------------------------------------


def test_admin_finds_providers_by_urn_and_changes_nothing(db: None, make_user) -> None:
    import_bytes(childrens_homes_workbook([childrens_home("SC100001", "Brightwater")]))
    client = Client()
    client.force_login(make_user(None, is_superuser=True, is_staff=True))

    found = client.get(reverse("admin:placements_provider_changelist"), {"q": "SC100001"})
    provider = Provider.objects.get()
    page = client.get(reverse("admin:placements_provider_change", args=[provider.pk]))
    imports = client.get(reverse("admin:placements_importlog_changelist"))

    assert found.status_code == 200 and "Brightwater" in found.text
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert imports.status_code == 200 and "homes.xlsx" in imports.text
    assert client.get(reverse("admin:placements_provider_add")).status_code == 403
