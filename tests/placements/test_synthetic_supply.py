"""The synthetic supply side: foster carers, placement costs and the Ofsted provider workbook
written beside the synthetic 903 extracts (placements/synthetic/: supply.py, carers.py, costs.py,
ofsted.py)."""

import datetime as dt
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from django.conf import settings
from django.core.management import call_command

from placements import synthetic
from placements import synthetic as synthetic_supply
from placements.models import (
    CarerHousehold,
    ImportLog,
    LocalAuthority,
    PlacementCost,
    Provider,
    Upload,
)
from placements.provider_import import import_provider_file
from placements.ssda903 import codes
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract
from tests.placements.provider_workbooks import COMBINED_HEADINGS, SUPPORTED_ACCOMMODATION_HEADINGS

SOUTHWARK = ["E09000028"]
AS_AT = dt.date(2025, 6, 30)
FOSTER = {f"U{i}" for i in range(1, 7)}
CARER_TYPES = {
    "MAINSTREAM", "CONNECTED", "SHORT_BREAKS", "PARENT_AND_CHILD", "SPECIALIST", "EMERGENCY",
    "REMAND",
}  # fmt: skip
SAMPLE_WORKBOOK = "scp_ch_2025_fake.xlsx"
SAMPLE_FOLDERS = [
    Path("/work/shared/data/providers"),
    Path(settings.BASE_DIR).parent / "shared" / "data" / "providers",
]


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="%d/%m/%Y", errors="raise")


def sheets(path: Path) -> dict[str, pd.DataFrame]:
    book = openpyxl.load_workbook(path, read_only=True)
    frames = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        frames[sheet.title] = pd.DataFrame(rows[1:], columns=rows[0])
    book.close()
    return frames


def write_all(folder: Path, seed: int, children_in_care: int = 300, years: int = 4) -> None:
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=children_in_care, years=years, seed=seed, as_at=AS_AT
    )
    supply = synthetic_supply.generate_supply(history, la_name="Demo Borough")
    extra = synthetic_supply.episode_columns(supply)
    synthetic.write_extracts(history, folder, extra_episode_columns=extra)
    synthetic_supply.write_supply(supply, folder)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("supply")
    write_all(folder, seed=7)
    return folder


@pytest.fixture(scope="module")
def carers(out: Path) -> pd.DataFrame:
    frame = read(out / synthetic_supply.CARERS_FILE)
    frame["APPROVAL_DATE"] = dates(frame["APPROVAL_DATE"])
    frame["DEREGISTRATION_DATE"] = dates(frame["DEREGISTRATION_DATE"])
    frame["APPROVED_PLACES"] = frame["APPROVED_PLACES"].astype(int)
    return frame


@pytest.fixture(scope="module")
def episodes(out: Path) -> pd.DataFrame:
    frame = read(out / synthetic.FULL_HISTORY_FOLDER / "episodes.csv")
    frame["DECOM"] = dates(frame["DECOM"])
    frame["DEC"] = dates(frame["DEC"])
    frame = frame.sort_values(["CHILD", "DECOM"]).reset_index(drop=True)
    frame["placement"] = synthetic_supply.placement_numbers(frame)
    return frame


@pytest.fixture(scope="module")
def workbook(out: Path) -> dict[str, pd.DataFrame]:
    return sheets(out / synthetic_supply.PROVIDERS_FILE)


def month_ends(episodes: pd.DataFrame, years: int) -> pd.DatetimeIndex:
    last = pd.Timestamp(AS_AT)
    return pd.date_range(last - pd.DateOffset(years=years), last, freq="ME")


def open_at(episodes: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return episodes[(episodes["DECOM"] <= day) & (episodes["DEC"].isna() | (episodes["DEC"] > day))]


def approved_at(carers: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return carers[
        (carers["APPROVAL_DATE"] <= day)
        & (carers["DEREGISTRATION_DATE"].isna() | (carers["DEREGISTRATION_DATE"] > day))
    ]


# --- Determinism and the 903 files --------------------------------------------------------------


def test_supply_same_seed_gives_identical_files(out: Path, tmp_path: Path) -> None:
    write_all(tmp_path, seed=7)

    for name in (synthetic_supply.CARERS_FILE, synthetic_supply.COSTS_FILE):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    again = sheets(tmp_path / synthetic_supply.PROVIDERS_FILE)
    first = sheets(out / synthetic_supply.PROVIDERS_FILE)
    for title, frame in first.items():
        pd.testing.assert_frame_equal(again[title], frame)
    episodes = Path(synthetic.FULL_HISTORY_FOLDER) / "episodes.csv"
    assert (tmp_path / episodes).read_bytes() == (out / episodes).read_bytes()


def test_903_files_are_unchanged_by_the_supply_side(tmp_path: Path) -> None:
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=60, years=2, seed=3, as_at=AS_AT
    )
    synthetic.write_extracts(history, tmp_path / "plain")
    supply = synthetic_supply.generate_supply(history)
    synthetic.write_extracts(history, tmp_path / "after")
    synthetic.write_extracts(
        history,
        tmp_path / "columns",
        extra_episode_columns=synthetic_supply.episode_columns(supply),
    )

    for path in sorted((tmp_path / "plain").rglob("*.csv")):
        relative = path.relative_to(tmp_path / "plain")
        assert (tmp_path / "after" / relative).read_bytes() == path.read_bytes(), relative
        with_columns = read(tmp_path / "columns" / relative)
        if relative.name == "episodes.csv":
            assert list(with_columns.columns) == [
                *synthetic.EPISODE_COLUMNS,
                *synthetic_supply.EPISODE_SUPPLY_COLUMNS,
            ]
            plain = read(path)
            pd.testing.assert_frame_equal(with_columns[list(plain.columns)], plain)
        else:
            assert (tmp_path / "columns" / relative).read_bytes() == path.read_bytes()


# --- Foster carers ------------------------------------------------------------------------------


def test_carers_extract_has_the_agreed_layout(carers: pd.DataFrame, out: Path) -> None:
    assert list(read(out / synthetic_supply.CARERS_FILE).columns) == [
        "CARER_ID", "CARER_TYPE", "PROVISION", "AGENCY_URN", "APPROVAL_DATE",
        "DEREGISTRATION_DATE", "DEREGISTRATION_REASON", "APPROVED_PLACES", "AGE_FROM", "AGE_TO",
        "POSTCODE_SECTOR",
    ]  # fmt: skip
    assert carers["CARER_ID"].is_unique
    assert set(carers["CARER_TYPE"]) <= CARER_TYPES
    assert set(carers["PROVISION"]) == {"IN_HOUSE", "AGENCY"}
    agency = carers["PROVISION"] == "AGENCY"
    assert carers.loc[agency, "AGENCY_URN"].str.fullmatch(r"\d{7}").all()
    assert (carers.loc[~agency, "AGENCY_URN"] == "").all()
    left = carers["DEREGISTRATION_DATE"].notna()
    assert (carers.loc[left, "DEREGISTRATION_DATE"] >= carers.loc[left, "APPROVAL_DATE"]).all()
    assert (carers.loc[left, "DEREGISTRATION_REASON"] != "").all()
    assert (carers.loc[~left, "DEREGISTRATION_REASON"] == "").all()
    assert carers["APPROVED_PLACES"].between(1, 3).all()
    for column in ("AGE_FROM", "AGE_TO"):
        given = carers[column] != ""
        assert carers.loc[given, column].astype(int).between(0, 18).all()
    assert carers["POSTCODE_SECTOR"].str.fullmatch(r"[A-Z][A-Z0-9]{1,3} \d").all()


def test_every_carer_on_an_episode_exists_and_was_approved_throughout(
    carers: pd.DataFrame, episodes: pd.DataFrame
) -> None:
    with_carer = episodes[episodes["CARER_ID"] != ""]
    joined = with_carer.merge(carers, on="CARER_ID", how="left", validate="many_to_one")

    assert joined["CARER_TYPE"].notna().all()
    assert (joined["APPROVAL_DATE"] <= joined["DECOM"]).all()
    still_there = joined["DEREGISTRATION_DATE"].isna() | (
        joined["DEC"].notna() & (joined["DEREGISTRATION_DATE"] >= joined["DEC"])
    )
    assert still_there.all()


def test_foster_episodes_have_carers_of_the_right_kind(
    carers: pd.DataFrame, episodes: pd.DataFrame
) -> None:
    foster = episodes["PLACE"].isin(FOSTER)
    assert (episodes.loc[foster, "CARER_ID"] != "").all()
    assert (episodes.loc[~foster, "CARER_ID"] == "").all()

    joined = episodes[foster].merge(carers, on="CARER_ID", how="left")
    kinship = joined["PLACE"].isin(["U1", "U2", "U3"])
    agency = joined["PLACE_PROVIDER"].isin(["PR4", "PR5"]) & ~kinship
    assert (joined.loc[kinship, "CARER_TYPE"] == "CONNECTED").all()
    assert (joined.loc[~agency, "PROVISION"] == "IN_HOUSE").all()
    assert (joined.loc[agency, "PROVISION"] == "AGENCY").all()
    assert (joined.loc[agency, "AGENCY_URN"] == joined.loc[agency, "URN"]).all()
    in_house = ~agency & ~kinship
    short_breaks = joined["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    assert (joined.loc[in_house & short_breaks, "CARER_TYPE"] == "SHORT_BREAKS").all()
    assert (
        joined.loc[in_house & ~short_breaks, "CARER_TYPE"]
        .isin(["MAINSTREAM", "PARENT_AND_CHILD"])
        .all()
    )
    # Carers live near their placements: an agency household in the placement's postcode
    # sector, a kinship one in its postcode district (SE15), an in-house one in its area (SE).
    known = joined["PL_POST"] != ""
    sector = joined["PL_POST"].str[:-2]
    assert (joined.loc[agency & known, "POSTCODE_SECTOR"] == sector[agency & known]).all()
    district = joined["POSTCODE_SECTOR"].str.split(" ").str[0]
    placed_district = joined["PL_POST"].str.split(" ").str[0]
    assert (district[kinship & known] == placed_district[kinship & known]).all()
    area, placed_area = (
        district.str.extract(r"^([A-Z]+)")[0],
        placed_district.str.extract(r"^([A-Z]+)")[0],
    )
    assert (area[known] == placed_area[known]).all()


def test_a_placement_keeps_its_carer_and_carers_never_exceed_their_places(
    carers: pd.DataFrame, episodes: pd.DataFrame
) -> None:
    foster = episodes[episodes["PLACE"].isin(FOSTER)]
    assert (foster.groupby("placement")["CARER_ID"].nunique() == 1).all()

    places = carers.set_index("CARER_ID")["APPROVED_PLACES"]
    for day in month_ends(episodes, 3):
        children = open_at(foster, day).groupby("CARER_ID")["CHILD"].nunique()
        assert (children <= places.reindex(children.index)).all(), day


def test_in_house_fostering_service_is_plausibly_sized(
    carers: pd.DataFrame, episodes: pd.DataFrame
) -> None:
    in_house = carers[carers["PROVISION"] == "IN_HOUSE"]
    mainstream = in_house[in_house["CARER_TYPE"].isin(["MAINSTREAM", "PARENT_AND_CHILD"])]
    ratios, used = [], []
    for day in month_ends(episodes, 3)[::3]:
        now = open_at(episodes, day)
        placed = now["PLACE"].isin(["U4", "U5", "U6"]) & (now["PLACE_PROVIDER"] == "PR1")
        placed &= ~now["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
        households = approved_at(mainstream, day)
        ratios.append(len(households) / placed.sum())
        occupied = now["CARER_ID"].isin(approved_at(in_house, day)["CARER_ID"]).sum()
        used.append(occupied / approved_at(in_house, day)["APPROVED_PLACES"].sum())

    # About one mainstream household per two in-house foster placements, and most in-house
    # places in use (spare ones: households waiting for a child, places left by a move).
    assert 0.4 <= np.mean(ratios) <= 0.7, ratios
    assert 0.6 <= np.mean(used) <= 0.9, used
    assert (mainstream["APPROVED_PLACES"] >= 2).mean() > 0.5
    # Mostly mainstream and kinship carers, a few for short breaks and parent and child.
    now = approved_at(in_house, pd.Timestamp(AS_AT))["CARER_TYPE"].value_counts(normalize=True)
    assert now["MAINSTREAM"] + now["CONNECTED"] > 0.8
    assert 0 < now.get("SHORT_BREAKS", 0) < 0.15
    assert now.get("PARENT_AND_CHILD", 0) < 0.1


def test_approvals_and_deregistrations_are_spread_over_the_years(carers: pd.DataFrame) -> None:
    in_house = carers[carers["PROVISION"] == "IN_HOUSE"]
    for year in synthetic.collection_years(AS_AT, 4)[:-1]:
        start, end = pd.Timestamp(year.start), pd.Timestamp(year.end)
        assert in_house["APPROVAL_DATE"].between(start, end).sum() >= 10, year.label
        assert in_house["DEREGISTRATION_DATE"].between(start, end).sum() >= 10, year.label
    reasons = set(carers["DEREGISTRATION_REASON"]) - {""}
    assert {"Retired", "Change in circumstances", "Adopted/SGO"} <= reasons
    assert reasons <= {
        "Retired", "Change in circumstances", "Transferred to agency", "Adopted/SGO",
        "Standards concerns", "Moved out of area",
    }  # fmt: skip


# --- Costs --------------------------------------------------------------------------------------


def test_costs_cover_most_episodes_and_match_the_episode_column(
    out: Path, episodes: pd.DataFrame
) -> None:
    costs = read(out / synthetic_supply.COSTS_FILE)

    assert list(costs.columns) == ["CHILD", "DECOM", "WEEKLY_COST"]
    assert costs["WEEKLY_COST"].str.fullmatch(r"\d+\.\d\d").all()
    assert not costs.duplicated(["CHILD", "DECOM"]).any()
    keys = episodes.assign(DECOM=episodes["DECOM"].dt.strftime("%d/%m/%Y"))
    merged = keys.merge(costs, on=["CHILD", "DECOM"], how="left", suffixes=("", "_extract"))
    assert len(costs) == merged["WEEKLY_COST_extract"].notna().sum()
    assert 0.94 <= len(costs) / len(episodes) <= 0.99
    assert (merged["WEEKLY_COST"] == merged["WEEKLY_COST_extract"].fillna("")).all()


def test_costs_are_constant_per_placement_and_within_national_ranges(
    episodes: pd.DataFrame,
) -> None:
    costed = episodes[episodes["WEEKLY_COST"] != ""].copy()
    costed["cost"] = costed["WEEKLY_COST"].astype(float)
    assert (costed.groupby("placement")["cost"].nunique() == 1).all()

    first = episodes.groupby("placement").head(1).set_index("placement")
    start_year = synthetic_supply.collection_year_starts(
        first["DECOM"].to_numpy().astype("datetime64[D]").astype(np.int64)
    )
    index = pd.Series([synthetic_supply.price_index(int(y)) for y in start_year], first.index)
    groups = pd.Series(
        [
            synthetic_supply.cost_group(place, provider)
            for place, provider in zip(first["PLACE"], first["PLACE_PROVIDER"], strict=True)
        ],
        first.index,
    )
    per_placement = costed.groupby("placement")["cost"].first()
    at_2025_prices = per_placement / index[per_placement.index]
    group = groups[per_placement.index]
    for name, (low, high) in synthetic_supply.COST_RANGES.items():
        values = at_2025_prices[group == name]
        if name == "childrens_home":
            dear = values > high + 1
            assert 0 < dear.mean() < 0.15, name
            high_low, high_high = synthetic_supply.HIGH_COST_HOMES
            assert values[dear].between(high_low - 1, high_high + 1).all()
            values = values[~dear]
        assert values.between(low - 1, high + 1).all(), name
    # The groups the brief names are all there.
    assert {"in_house_fostering", "agency_fostering", "kinship_fostering", "childrens_home"} <= set(
        group
    )
    # Prices rise about 4% a year: placements starting later cost more.
    fostering = per_placement[group == "in_house_fostering"]
    years = pd.Series(start_year, first.index)[fostering.index]
    early, late = fostering[years == years.max() - 3].mean(), fostering[years == years.max()].mean()
    assert late > early


# --- The provider workbook ---------------------------------------------------------------------


def test_provider_workbook_has_ofsteds_2025_sheets_and_headers(
    workbook: dict[str, pd.DataFrame], out: Path
) -> None:
    # Without the sample: the headings the provider importer's tests were written from, kept
    # apart from the generator's own list so that the two are checked against each other.
    expected = {"Providers": COMBINED_HEADINGS, "SA Providers": SUPPORTED_ACCOMMODATION_HEADINGS}
    for folder in SAMPLE_FOLDERS:
        if (folder / SAMPLE_WORKBOOK).exists():
            sample = openpyxl.load_workbook(folder / SAMPLE_WORKBOOK, read_only=True)
            expected = {
                sheet.title: list(next(sheet.iter_rows(max_row=1, values_only=True)))
                for sheet in sample.worksheets
            }
            sample.close()
            break

    assert list(workbook) == ["Providers", "SA Providers"]
    for title, headers in expected.items():
        assert list(workbook[title].columns) == headers, title


def test_every_urn_the_episodes_use_is_in_the_workbook(
    workbook: dict[str, pd.DataFrame], episodes: pd.DataFrame
) -> None:
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=300, years=4, seed=7, as_at=AS_AT
    )
    breaks = history.episodes["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    short_break_urns = set(history.episodes.loc[breaks, "URN"])
    providers, supported = workbook["Providers"], workbook["SA Providers"]
    listed = set(providers["URN"]) | set(supported["URN"])
    used = episodes[~episodes["URN"].isin(["", codes.URN_NOT_REGISTERED])]

    assert set(used["URN"]) <= listed
    assert providers["URN"].is_unique
    assert not set(providers["URN"]) & set(supported["URN"])
    # Children's homes near the authority that it does not use: local capacity. (The carers
    # and homes of short breaks are in the workbook too, though a short break gives no URN.)
    unused = providers[~providers["URN"].isin(used["URN"])]
    unused = unused[~unused["URN"].isin(short_break_urns)]
    assert len(unused) >= 4
    assert (unused["Provider type"] == "Children's home").all()


def test_providers_are_described_as_their_placements_use_them(
    workbook: dict[str, pd.DataFrame], episodes: pd.DataFrame
) -> None:
    providers = workbook["Providers"].set_index("URN")
    supported = workbook["SA Providers"].drop_duplicates("URN").set_index("URN")
    used = episodes[~episodes["URN"].isin(["", codes.URN_NOT_REGISTERED])]
    by_urn = used.groupby("URN").agg(
        place=("PLACE", "first"), provider=("PLACE_PROVIDER", "first"), post=("PL_POST", "max")
    )
    types = {
        "K2": {"Children's home"},
        "K1": {"Secure children's home"},
        "U4": {"Independent fostering agency", "Local authority fostering service"},
        "U6": {"Independent fostering agency", "Local authority fostering service"},
    }
    sector_of = {
        "PR1": "Local Authority",
        "PR2": "Local Authority",
        "PR4": "Private",
        "PR5": "Voluntary",
    }
    for urn, row in by_urn.iterrows():
        listed = supported.loc[urn] if row["place"] == "K3" else providers.loc[urn]
        assert listed["Sector"] == sector_of[row["provider"]], urn
        assert row["place"] in str(listed["Placement code"]).split("/"), urn
        if row["place"] in types:
            assert listed["Provider type"] in types[row["place"]], urn
        if row["provider"] in ("PR4", "PR5") and row["place"] in FOSTER:
            assert listed["Provider type"] == "Independent fostering agency", urn
        postcode = listed[
            "Setting address postcode" if row["place"] == "K3" else "Provider postcode"
        ]
        if row["post"]:
            assert postcode == row["post"], urn
    # Every postcode is real, with its authority named.
    assert providers["Provider postcode"].str.fullmatch(r"[A-Z][A-Z0-9]{1,3} \d[A-Z]{2}").all()
    assert (providers["Local authority"].fillna("") != "").all()


def test_provider_statuses_grades_and_places_look_like_ofsteds(
    workbook: dict[str, pd.DataFrame], episodes: pd.DataFrame
) -> None:
    providers, supported = workbook["Providers"], workbook["SA Providers"]
    assert set(providers["Registration status"]) == {"Registered", "Closed"}
    assert set(supported["Registration status"]) <= {"Active", "Closed"}
    closed = providers[providers["Registration status"] == "Closed"]
    assert closed["Deregistration date"].notna().all()
    assert (
        providers.loc[providers["Registration status"] != "Closed", "Deregistration date"]
        .isna()
        .all()
    )
    # A closed provider has nobody placed with it after it closed.
    for urn, closed_on in zip(closed["URN"], closed["Deregistration date"], strict=True):
        placed = episodes[episodes["URN"] == urn]
        assert (placed["DEC"].notna() & (placed["DEC"] <= closed_on)).all(), urn

    grades = providers["Overall effectiveness"].dropna()
    assert set(grades) <= {"Outstanding", "Good", "Requires improvement to be good", "Inadequate"}
    assert grades.value_counts(normalize=True)["Good"] > 0.4
    homes = providers[providers["Provider type"] == "Children's home"]
    assert homes["Number of registered places"].between(2, 8).all()
    assert homes["Date of last full inspection"].notna().mean() > 0.8
    agencies = providers[providers["Provider type"] == "Independent fostering agency"]
    places = agencies["Number of registered places"].dropna()
    assert places.between(50, 400).all()
    assert agencies["Number of registered places"].isna().any()


# --- The command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_generate_903_supply_writes_the_three_files_and_episode_columns(tmp_path: Path) -> None:
    LocalAuthority.objects.create(code="999", name="Demo Borough", districts=SOUTHWARK)
    out = io.StringIO()

    call_command(
        "generate_903",
        "--la", "999", "--children-in-care", "40", "--years", "2", "--seed", "4",
        "--out", str(tmp_path), "--as-at", "2025-06-30", "--supply", "--episode-columns",
        stdout=out,
    )  # fmt: skip

    lines = out.getvalue().splitlines()
    assert [Path(line.split(":")[0].removeprefix("Wrote ")).name for line in lines] == [
        "2024-25", "2025-26", "full_history", "carers.csv", "costs.csv", "providers.xlsx",
    ]  # fmt: skip
    carers = read(tmp_path / "carers.csv")
    assert f"{len(carers)} households" in lines[3]
    for folder in ("2024-25", "2025-26", "full_history"):
        columns = list(read(tmp_path / folder / "episodes.csv").columns)
        assert columns[-2:] == ["CARER_ID", "WEEKLY_COST"]
    providers = sheets(tmp_path / "providers.xlsx")["Providers"]
    own = providers[providers["Owner name"] == "Demo Borough Council"]
    assert len(own) > 0


@pytest.mark.django_db
def test_generate_903_without_flags_writes_no_supply_files(tmp_path: Path) -> None:
    LocalAuthority.objects.create(code="999", name="Demo Borough", districts=SOUTHWARK)

    call_command(
        "generate_903",
        "--la", "999", "--children-in-care", "30", "--years", "1", "--seed", "4",
        "--out", str(tmp_path), "--as-at", "2025-06-30",
        stdout=io.StringIO(),
    )  # fmt: skip

    assert sorted(path.name for path in tmp_path.iterdir()) == ["2025-26", "full_history"]
    assert list(read(tmp_path / "full_history" / "episodes.csv").columns) == (
        synthetic.EPISODE_COLUMNS
    )


@pytest.mark.django_db
def test_generated_files_load_as_the_extracts_they_imitate(tmp_path: Path) -> None:
    """The demo authority's files go through the real uploads without a problem."""
    la = LocalAuthority.objects.create(code="999", name="Demo Borough", districts=SOUTHWARK)
    write_all(tmp_path, seed=9, children_in_care=60, years=2)

    def upload(files: list[Path], kind: str) -> Upload:
        return import_extract(
            la=la,
            user=None,
            as_at=AS_AT,
            window_start=None,
            files=[RawFile(path.name, path.read_bytes()) for path in files],
            kind=kind,
        )

    carers = upload([tmp_path / "carers.csv"], Upload.Kind.CARERS)
    history = upload(sorted((tmp_path / "full_history").glob("*.csv")), Upload.Kind.SSDA903)
    costs = upload([tmp_path / "costs.csv"], Upload.Kind.COSTS)
    providers = import_provider_file(
        name="providers.xlsx", content=(tmp_path / "providers.xlsx").read_bytes()
    )

    for loaded in (carers, history, costs):
        assert loaded.status == Upload.Status.LOADED, loaded.kind
        assert loaded.errors_count == 0, loaded.kind
    assert carers.warnings_count == 0
    assert costs.warnings_count == 0
    supply_columns = {"CARER_ID", "WEEKLY_COST"}
    assert not history.problems.filter(column__in=supply_columns).exists()
    assert CarerHousehold.objects.filter(la=la).count() == len(read(tmp_path / "carers.csv"))
    assert PlacementCost.objects.filter(la=la).count() == len(read(tmp_path / "costs.csv"))
    assert providers.status == ImportLog.Status.DONE
    listed = sheets(tmp_path / "providers.xlsx")
    urns = set(listed["Providers"]["URN"]) | set(listed["SA Providers"]["URN"])
    assert Provider.objects.filter(urn__in=urns).count() == len(urns)
