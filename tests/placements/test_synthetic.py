import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from placements import postcodes, synthetic
from placements import synthetic as synthetic_supply
from placements.models import LocalAuthority
from placements.ssda903 import codes

SOUTHWARK = ["E09000028"]
AS_AT = dt.date(2025, 6, 30)
TEMPORARY = codes.TEMPORARY_PLACEMENTS
FOSTER = {f"U{i}" for i in range(1, 7)}


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def parse_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], format="%d/%m/%Y", errors="raise")
    return frame


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three collection years (2023-24 to 2025-26 to date): spans the SEX, K3 and Z changes."""
    out = tmp_path_factory.mktemp("small")
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=80, years=3, seed=11, as_at=AS_AT
    )
    synthetic.write_extracts(history, out)
    return out


@pytest.fixture(scope="module")
def full(small: Path) -> pd.DataFrame:
    episodes = parse_dates(read(small / "full_history", "episodes"), "DECOM")
    episodes["DEC"] = pd.to_datetime(episodes["DEC"].replace("", None), format="%d/%m/%Y")
    return episodes.sort_values(["CHILD", "DECOM"]).reset_index(drop=True)


def test_collection_years_end_with_the_year_to_date() -> None:
    years = synthetic.collection_years(dt.date(2025, 6, 30), 3)

    assert [year.label for year in years] == ["2023-24", "2024-25", "2025-26"]
    assert years[0].start == dt.date(2023, 4, 1)
    assert years[0].end == dt.date(2024, 3, 31)
    assert years[-1].end == dt.date(2025, 6, 30)


def test_write_extracts_writes_each_year_and_full_history(small: Path) -> None:
    folders = sorted(path.name for path in small.iterdir())

    assert folders == ["2023-24", "2024-25", "2025-26", "full_history"]
    for folder in folders:
        assert list(read(small / folder, "header").columns) == synthetic.HEADER_COLUMNS
        assert list(read(small / folder, "episodes").columns) == synthetic.EPISODE_COLUMNS
        assert list(read(small / folder, "uasc").columns) == synthetic.UASC_COLUMNS


def test_generate_history_same_seed_gives_identical_files(tmp_path: Path) -> None:
    def files(seed: int, name: str) -> dict[str, bytes]:
        history = synthetic.generate_history(
            districts=SOUTHWARK, children_in_care=30, years=2, seed=seed, as_at=AS_AT
        )
        synthetic.write_extracts(history, tmp_path / name)
        return {
            str(path.relative_to(tmp_path / name)): path.read_bytes()
            for path in sorted((tmp_path / name).rglob("*.csv"))
        }

    first, again, other = files(5, "a"), files(5, "b"), files(6, "c")

    assert first == again
    assert first.keys() == other.keys()
    assert first["full_history/episodes.csv"] != other["full_history/episodes.csv"]


# SHA-256 of one small history's 903 files (every CSV, by relative path then bytes) as written
# before the supply side existed. The supply side draws from its own random stream, so it must
# never change these bytes; a deliberate change to the history generator (or a new release of
# the postcode directory it draws real postcodes from) updates the digest.
PINNED_903_SHA256 = "c9bfbc19e575c33c6c72894f62613ed51db575f4ffb4f9397e99c0589002d6a0"


def test_903_files_are_byte_identical_to_before_the_supply_side(tmp_path: Path) -> None:
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=30, years=2, seed=5, as_at=AS_AT
    )
    synthetic_supply.generate_supply(history)
    synthetic.write_extracts(history, tmp_path)

    digest = hashlib.sha256()
    for path in sorted(tmp_path.rglob("*.csv")):
        digest.update(str(path.relative_to(tmp_path)).encode())
        digest.update(path.read_bytes())
    assert digest.hexdigest() == PINNED_903_SHA256


def test_episodes_chain_exactly_within_each_period(full: pd.DataFrame) -> None:
    same_child = full["CHILD"].eq(full["CHILD"].shift(-1))
    continues = full["REC"].eq(codes.CONTINUES_IN_CARE)
    following = full.shift(-1)

    assert not full.duplicated(["CHILD", "DECOM"]).any()
    closed = full["DEC"].notna()
    assert (full.loc[closed, "DEC"] > full.loc[closed, "DECOM"]).all()
    # An open episode is the child's last, with no reason ceased.
    assert not (full["DEC"].isna() & same_child).any()
    assert (full.loc[~closed, "REC"] == "").all()
    assert (full.loc[closed, "REC"] != "").all()
    # X1 is always followed, the next day-for-day, by the same child's next episode...
    assert same_child[continues].all()
    assert (following.loc[continues, "DECOM"] == full.loc[continues, "DEC"]).all()
    assert (following.loc[continues, "RNE"] != "S").all()
    # ...and any other reason ends the period: the child's next episode starts one.
    ended = closed & ~continues & same_child
    assert (following.loc[ended, "RNE"] == "S").all()
    assert (following.loc[ended, "DECOM"] > full.loc[ended, "DEC"]).all()
    first = ~full["CHILD"].eq(full["CHILD"].shift())
    assert (full.loc[first, "RNE"] == "S").all()


def test_children_are_under_18_throughout(small: Path, full: pd.DataFrame) -> None:
    header = parse_dates(read(small / "full_history", "header"), "DOB")
    dob = full["CHILD"].map(header.set_index("CHILD")["DOB"])
    eighteenth = dob + pd.DateOffset(years=18)

    assert (full["DECOM"] >= dob).all()
    assert (full["DECOM"] < eighteenth).all()
    closed = full["DEC"].notna()
    assert (full.loc[closed, "DEC"] <= eighteenth[closed]).all()


def test_codes_are_valid_for_the_year_each_episode_started(full: pd.DataFrame) -> None:
    for place, decom in zip(full["PLACE"], full["DECOM"], strict=True):
        validity = codes.PLACEMENT[place]
        assert validity.valid_from is None or decom.date() >= validity.valid_from, place
        assert validity.valid_to is None or decom.date() <= validity.valid_to, place
    assert set(full["LS"]) <= codes.LEGAL_STATUS
    assert set(full["CIN"]) <= codes.CATEGORY_OF_NEED
    assert set(full["RNE"]) <= codes.RNE
    current_reasons = {code for code, v in codes.REASON_CEASED.items() if v.valid_to is None}
    assert set(full["REC"]) - {""} <= current_reasons

    # The reason for a change of placement is on the episode that ends with it (DfE rule 225),
    # never beside a temporary placement (rule 226).
    following = full.groupby("CHILD")[["RNE", "PLACE"]].shift(-1)
    temporary = full["PLACE"].isin(TEMPORARY) | following["PLACE"].isin(TEMPORARY)
    ends_in_move = (full["REC"] == codes.CONTINUES_IN_CARE) & following["RNE"].isin(
        ["P", "B", "T", "U"]
    )
    given = full["REASON_PLACE_CHANGE"] != ""
    assert (given == (ends_in_move & ~temporary)).all()
    assert set(full.loc[given, "REASON_PLACE_CHANGE"]) <= codes.REASON_PLACE_CHANGE

    no_provider = full["PLACE"].isin(codes.NO_PROVIDER_PLACEMENTS)
    assert (full.loc[no_provider, "PLACE_PROVIDER"] == "").all()
    assert (full.loc[full["PLACE"] == "P1", "PLACE_PROVIDER"] == "PR0").all()
    assert set(full.loc[~no_provider, "PLACE_PROVIDER"]) <= codes.PLACE_PROVIDER
    foster = full["PLACE"].isin(FOSTER)
    ifa = (
        foster
        & full["PLACE"].isin(["U4", "U5", "U6"])
        & full["PLACE_PROVIDER"].isin(["PR4", "PR5"])
    )
    assert ifa.any()
    assert (full.loc[foster & ~ifa, "PLACE_PROVIDER"].isin(["PR1", "PR4", "PR5"])).all()


def test_urns_have_the_right_shape(full: pd.DataFrame) -> None:
    no_urn = full["PLACE"].isin(codes.NO_URN_PLACEMENTS)
    no_urn |= full["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    assert (full.loc[no_urn, "URN"] == "").all()
    # XXXXXXX only where the DfE allows it: never on a children's home after 2024-25 (rule 242).
    unregistered = full["URN"] == codes.URN_NOT_REGISTERED
    assert (full.loc[unregistered, "DECOM"] <= pd.Timestamp("2025-03-31")).all()
    homes = full["PLACE"].isin(["K1", "K2"]) & ~no_urn
    assert full.loc[homes, "URN"].str.fullmatch(r"SC\d{6}|XXXXXXX").all()
    foster = full["PLACE"].isin(FOSTER) & ~no_urn
    assert full.loc[foster, "URN"].str.fullmatch(r"\d{7}").all()


def test_same_provider_always_has_same_postcode(full: pd.DataFrame) -> None:
    registered = full[~full["URN"].isin(["", codes.URN_NOT_REGISTERED])]

    assert registered.groupby("URN")["PL_POST"].nunique().max() == 1
    # Providers are shared: some URNs hold several children.
    assert registered.groupby("URN")["CHILD"].nunique().max() > 1


def test_postcodes_are_real_and_home_is_fixed_per_child(small: Path, full: pd.DataFrame) -> None:
    assert full.groupby("CHILD")["HOME_POST"].nunique().max() == 1
    uasc = full["CHILD"].isin(set(read(small / "full_history", "uasc")["CHILD"]))
    short_break = full["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    # Postcodes are blank exactly where the DfE wants them blank (its rules 214, 392b, 398):
    # a short break has neither, an unaccompanied child no home postcode.
    assert ((full["HOME_POST"] == "") == (uasc | short_break)).all()
    assert ((full["PL_POST"] == "") == (short_break | (uasc & (full["PLACE"] == "P1")))).all()

    home = postcodes.lookup(full["HOME_POST"])
    place = postcodes.lookup(full["PL_POST"])
    assert home.loc[full["HOME_POST"] != "", "found"].all()
    assert place.loc[full["PL_POST"] != "", "found"].all()
    assert set(home.loc[home["found"], "district"]) == set(SOUTHWARK)


def test_a_move_always_changes_the_placement(full: pd.DataFrame) -> None:
    """The DfE refuses a change of placement (RNE P or T) that changes nothing (its rule 435)."""
    placement = ["PLACE", "PLACE_PROVIDER", "PL_POST", "URN"]
    before = full.groupby("CHILD")[placement].shift(1)
    moves = full["RNE"].isin(["P", "T"]) & before["PLACE"].notna()
    assert moves.sum() > 0
    assert not (full.loc[moves, placement] == before.loc[moves, placement]).all(axis=1).any()


def test_temporary_placement_returns_to_the_same_place(full: pd.DataFrame) -> None:
    temporary = np.flatnonzero(full["PLACE"].isin(TEMPORARY).to_numpy())
    assert len(temporary) > 0
    for row in temporary:
        before, during, after = full.iloc[row - 1], full.iloc[row], full.iloc[row + 1]
        assert before["CHILD"] == during["CHILD"] == after["CHILD"]
        assert during["RNE"] == "P" and during["PLACE_PROVIDER"] == "" and during["URN"] == ""
        assert during["PL_POST"] == before["PL_POST"]
        assert after["RNE"] == "P"
        assert after["PLACE"] == before["PLACE"]
        assert after["PL_POST"] == before["PL_POST"]
        assert after["URN"] == before["URN"]


def test_short_breaks_are_separate_short_periods(full: pd.DataFrame) -> None:
    breaks = full[full["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)]

    assert len(breaks) > 0
    assert (breaks["RNE"] == "S").all()
    assert ((breaks["DEC"] - breaks["DECOM"]).dt.days <= 7).all()
    assert (breaks.groupby("CHILD")["LS"].nunique() == 1).all()


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2023-24", "2023-04-01", "2024-03-31"),
        ("2024-25", "2024-04-01", "2025-03-31"),
        ("2025-26", "2025-04-01", "2025-06-30"),
    ],
)
def test_year_file_holds_every_episode_open_in_the_year(
    small: Path, full: pd.DataFrame, label: str, start: str, end: str
) -> None:
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    year = parse_dates(read(small / label, "episodes"), "DECOM")
    year["DEC"] = pd.to_datetime(year["DEC"].replace("", None), format="%d/%m/%Y")
    expected = full[(full["DECOM"] <= last) & (full["DEC"].isna() | (full["DEC"] >= first))]

    assert set(zip(year["CHILD"], year["DECOM"], strict=True)) == set(
        zip(expected["CHILD"], expected["DECOM"], strict=True)
    )
    # Episodes begun before 1 April are repeated with their original DECOM.
    assert (year["DECOM"] < first).any()
    merged = year.merge(expected, on=["CHILD", "DECOM"], suffixes=("", "_truth"))
    shown_open = merged["DEC_truth"].isna() | (merged["DEC_truth"] > last)
    assert merged.loc[shown_open, "DEC"].isna().all()
    assert (merged.loc[shown_open, "REC"] == "").all()
    assert (merged.loc[~shown_open, "DEC"] == merged.loc[~shown_open, "DEC_truth"]).all()
    assert (merged.loc[~shown_open, "REC"] == merged.loc[~shown_open, "REC_truth"]).all()
    for column in ("RNE", "LS", "PLACE", "PL_POST", "URN"):
        assert (merged[column] == merged[f"{column}_truth"]).all()

    header = read(small / label, "header")
    assert not header["CHILD"].duplicated().any()
    assert set(header["CHILD"]) == set(year["CHILD"])
    uasc = read(small / label, "uasc")
    assert set(uasc["CHILD"]) <= set(header["CHILD"])


def test_header_and_uasc_codes(small: Path) -> None:
    letters = {"2023-24": {"1", "2"}, "2024-25": {"M", "F"}, "2025-26": {"M", "F"}}
    for label, sexes in letters.items():
        header = read(small / label, "header")
        assert set(header["SEX"]) == sexes
        assert set(header["ETHNIC"]) <= codes.ETHNICITY
        # A child without a UPN has the code saying why (DfE rule 442).
        assert header["UPN"].str.fullmatch(r"A\d{12}|UN1|UN5").all()
        assert header["CHILD"].str.fullmatch(r"\d{6,10}").all()
        boys = header["SEX"].isin(["1", "M"])
        assert (header.loc[boys, "MOTHER"] == "").all()
        assert header.loc[~boys, "MOTHER"].isin(["0", "1"]).all()
        assert (header.loc[header["MOTHER"] != "1", "MC_DOB"] == "").all()

    header = parse_dates(read(small / "full_history", "header"), "DOB")
    uasc = parse_dates(read(small / "full_history", "uasc"), "DOB", "DUC")
    assert len(uasc) > 0
    assert (uasc["DUC"] == uasc["DOB"] + pd.DateOffset(years=18)).all()
    assert (
        uasc.set_index("CHILD")["SEX"] == header.set_index("CHILD").loc[uasc["CHILD"], "SEX"]
    ).all()


# --- Proportions on a medium run --------------------------------------------------------


def placement_spans(episodes: pd.DataFrame) -> pd.DataFrame:
    """Each episode tagged with its placement (docs/periods-and-placements.md#temporary-placements)."""
    episodes = episodes.sort_values(["CHILD", "DECOM"]).reset_index(drop=True)
    temporary = episodes["PLACE"].isin(TEMPORARY)
    after_temporary = temporary.shift(fill_value=False) & episodes["CHILD"].eq(
        episodes["CHILD"].shift()
    )
    new = episodes["RNE"].isin(["S", "P", "B"]) & ~temporary & ~after_temporary
    episodes["placement"] = new.cumsum()
    episodes["period"] = episodes["RNE"].eq("S").cumsum()
    usual = episodes[["PLACE", "PLACE_PROVIDER", "PL_POST"]].mask(temporary)
    usual = usual.groupby(episodes["placement"]).ffill()
    episodes[["PLACE", "PLACE_PROVIDER", "PL_POST"]] = usual
    return episodes


def measures_at(episodes: pd.DataFrame, children: pd.DataFrame, day: pd.Timestamp) -> dict:
    open_now = (episodes["DECOM"] <= day) & (episodes["DEC"].isna() | (episodes["DEC"] > day))
    now = episodes[open_now & ~episodes["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)]
    fostered = now["PLACE"].isin(FOSTER)
    ifa = now["PLACE"].isin(["U4", "U5", "U6"]) & now["PLACE_PROVIDER"].isin(["PR4", "PR5"])

    placements = episodes.groupby("placement").agg(
        CHILD=("CHILD", "first"), start=("DECOM", "min"), end=("DEC", "max")
    )
    still_open = episodes.groupby("placement")["DEC"].apply(lambda s: s.isna().any())
    placements.loc[still_open, "end"] = pd.NaT
    window = day - pd.DateOffset(years=1)
    in_window = (placements["start"] <= day) & (
        placements["end"].isna() | (placements["end"] > window)
    )
    counts = placements[in_window].groupby("CHILD").size().reindex(now["CHILD"]).fillna(0)

    dob = now["CHILD"].map(children.set_index("CHILD")["DOB"])
    period_start = now["period"].map(episodes.groupby("period")["DECOM"].min())
    placement_start = now["placement"].map(placements["start"])
    cohort = (dob + pd.DateOffset(years=16) > day) & (
        period_start <= day - pd.DateOffset(months=30)
    )
    stable = placement_start <= day - pd.DateOffset(months=24)

    home = postcodes.lookup(now["HOME_POST"].reset_index(drop=True))
    place = postcodes.lookup(now["PL_POST"].fillna("").reset_index(drop=True))
    miles = postcodes.distance_miles(
        home["easting"], home["northing"], place["easting"], place["northing"]
    )
    uasc = now["CHILD"].map(children.set_index("CHILD")["UASC"] == "1")
    return {
        "count": len(now),
        "fostered": fostered.mean(),
        "ifa_of_fostered": ifa[fostered].mean(),
        "kin_of_fostered": now.loc[fostered, "PLACE"].isin(["U1", "U2", "U3"]).mean(),
        "homes": now["PLACE"].isin(["K1", "K2"]).mean(),
        "three_plus": (counts >= 3).mean(),
        "stable": stable[cohort].mean(),
        "over_20": (miles > 20.0).mean(),
        "uasc": uasc.mean(),
    }


@pytest.fixture(scope="module")
def medium() -> tuple[pd.DataFrame, pd.DataFrame, synthetic.SyntheticHistory]:
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=500, years=4, seed=3, as_at=dt.date(2025, 3, 31)
    )
    episodes = placement_spans(history.episodes)
    children = history.children.assign(UASC=history.children["UASC"].map({True: "1", False: "0"}))
    return episodes, children, history


def test_the_dfe_rules_on_custody_own_provision_and_orders_hold(medium: tuple) -> None:
    """What `make validate-synthetic` checks with the DfE's validator, checked here without it."""
    history = medium[2]
    full = history.episodes
    # Rule 364: a child transferred from police custody (J2) is held 21 days at most.
    j2 = full[full["LS"] == "J2"]
    assert len(j2) > 0
    ends = j2["DEC"].fillna(pd.Timestamp(history.as_at))
    assert ((ends - j2["DECOM"]).dt.days <= 21).all()
    # Rule 1015: the authority's own provision is in the authority, but for foster carers and
    # adopters.
    exempt = full["PLACE"].str.match(r"A[3-6]|U[1-6]|K3") | full["LS"].isin(["V3", "V4"])
    own = full[(full["PLACE_PROVIDER"] == "PR1") & ~exempt]
    assert len(own) > 0
    assert set(postcodes.lookup(own["PL_POST"])["district"]) == set(SOUTHWARK)
    # Rule 516: a special guardianship order to former foster carers ends a foster placement.
    to_foster_carers = full["REC"].isin(["E45", "E46"])
    assert to_foster_carers.any()
    assert full.loc[to_foster_carers, "PLACE"].isin(FOSTER).all()
    # Rule 234: no child under 10 moves because of custody.
    dob = full["CHILD"].map(history.children.set_index("CHILD")["DOB"])
    custody = full["REASON_PLACE_CHANGE"] == "CUSTOD"
    assert custody.any()
    assert (full.loc[custody, "DECOM"] >= dob[custody] + pd.DateOffset(years=10)).all()


def test_proportions_look_like_national_figures(medium: tuple) -> None:
    episodes, children, history = medium
    for year in history.years[1:]:
        values = measures_at(episodes, children, pd.Timestamp(year.end))
        assert 400 <= values["count"] <= 600, values
        assert 0.55 <= values["fostered"] <= 0.78, values
        assert 0.18 <= values["ifa_of_fostered"] <= 0.48, values
        assert 0.12 <= values["kin_of_fostered"] <= 0.40, values
        assert 0.06 <= values["homes"] <= 0.20, values
        assert 0.04 <= values["three_plus"] <= 0.18, values
        assert 0.50 <= values["stable"] <= 0.85, values
        assert 0.10 <= values["over_20"] <= 0.35, values
        assert 0.02 <= values["uasc"] <= 0.12, values


def test_starters_about_equal_ceasers_and_two_rows_per_child(medium: tuple) -> None:
    _, _, history = medium
    episodes = history.episodes[~history.episodes["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)]
    for year in history.years:
        start, end = pd.Timestamp(year.start), pd.Timestamp(year.end)
        starters = (episodes["RNE"].eq("S") & episodes["DECOM"].between(start, end)).sum()
        ceased = (
            ~episodes["REC"].isin(["", codes.CONTINUES_IN_CARE])
            & episodes["DEC"].between(start, end)
        ).sum()
        assert 0.7 <= starters / ceased <= 1.4
        # About 0.65 starters a year per child looked after, half of them short periods of
        # care (synthetic/history.py, "Turnover").
        assert 200 <= starters <= 450

        extract = synthetic.year_extract(history, year)
        rows_per_child = len(extract["episodes"]) / len(extract["header"])
        assert 1.4 <= rows_per_child <= 2.6


def test_ten_years_hold_about_8_children_and_30_episodes_per_child_looked_after() -> None:
    """docs/README.md#scale: 2,300 looked after give about 20,000 children and 70,000 episodes in ten
    years. The same ratios on a smaller authority, seven months into the last year as in the
    large benchmark (`--children-in-care 2300 --years 10 --as-at 2026-10-31`)."""
    looked_after = 500
    history = synthetic.generate_history(
        districts=SOUTHWARK,
        children_in_care=looked_after,
        years=10,
        seed=2,
        as_at=dt.date(2025, 10, 31),
    )
    episodes = history.episodes
    counted = ~episodes["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    at_31_march = [
        (
            counted
            & (episodes["DECOM"] <= day)
            & (episodes["DEC"].isna() | (episodes["DEC"] > day))
        ).sum()
        for day in (pd.Timestamp(year.end) for year in history.years[:-1])
    ]
    full = synthetic.full_history_extract(history)

    # The extra children and episodes leave the number looked after where it was...
    assert 0.9 * looked_after <= np.mean(at_31_march) <= 1.1 * looked_after
    # ...and give the scale of docs/README.md#scale.
    assert 7.0 <= len(full["header"]) / looked_after <= 9.5
    assert 28.0 <= len(full["episodes"]) / looked_after <= 33.0


# --- The management command -------------------------------------------------------------


@pytest.mark.django_db
def test_generate_903_writes_folders_and_reports_counts(tmp_path: Path) -> None:
    LocalAuthority.objects.create(code="999", name="Test", districts=SOUTHWARK)
    out = io.StringIO()

    call_command(
        "generate_903",
        "--la", "999", "--children-in-care", "30", "--years", "2", "--seed", "4",
        "--out", str(tmp_path), "--as-at", "2025-06-30",
        stdout=out,
    )  # fmt: skip

    lines = out.getvalue().splitlines()
    assert [Path(line.split(":")[0].removeprefix("Wrote ")).name for line in lines] == [
        "2024-25",
        "2025-26",
        "full_history",
    ]
    assert all(re.search(r": \d+ children, \d+ episodes$", line) for line in lines)
    episodes = read(tmp_path / "full_history", "episodes")
    assert f"{len(episodes)} episodes" in lines[-1]


@pytest.mark.django_db
def test_generate_903_without_the_authority_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No local authority with code '998'"):
        call_command("generate_903", "--la", "998", "--out", str(tmp_path))
    assert not any(tmp_path.iterdir())
