"""Validation and tidying of an upload's 903 tables, exactly as docs/uploads.md#errors-and-warnings says.

Errors reject the whole upload; warnings load. Everything is vectorised over the frames: a
Python loop only ever runs over the rows that have a problem. The helpers below the episodes
(`Where`, `parse_dates`, `tidy_code`, `parse_costs`...) also check the carers and costs extracts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from placements import postcodes
from placements.ssda903 import codes
from placements.ssda903.problems import Problem
from placements.ssda903.readers import Table

CHILD_FIELDS = [
    "child_id", "sex", "dob", "ethnic", "upn", "mother", "mc_dob", "uasc", "uasc_ceased",
]  # fmt: skip
EPISODE_FIELDS = [
    "child_id", "decom", "rne", "ls", "cin", "place", "place_provider", "dec", "rec",
    "reason_place_change", "home_post", "pl_post", "urn", "pl_distance", "carer_id", "weekly_cost",
]  # fmt: skip
EPISODE_DATE_FIELDS = ["decom", "dec"]
# Columns a council may add to its Episodes table (README, "Foster carers extract").
EPISODE_OPTIONAL_FIELDS = ("carer_id", "weekly_cost")
EPISODE_CODE_FIELDS = [
    f
    for f in EPISODE_FIELDS
    if f not in {"child_id", "decom", "dec", "pl_distance", *EPISODE_OPTIONAL_FIELDS}
]
# Placements with a foster carer: fostering, and placed for adoption with the current foster
# carer (docs/ssda903.md#placement-types). A CARER_ID on any other placement is probably a slip.
CARER_PLACEMENTS = frozenset({f"U{i}" for i in range(1, 7)} | {"A3", "A5"})
CARER_ID_MAX_CHARS = 20
# Above this a weekly cost is a typing slip (a year's cost, or pence), not a placement's cost.
WEEKLY_COST_LIMIT = 100_000

# Messages users see; tests assert on them.
MSG_DATE_TWO_DIGIT_YEAR = "The year must be written in full, as in 31/03/2025."
MSG_DATE_UNREADABLE = "This is not a date we can read: write it as dd/mm/yyyy."
MSG_DATE_NO_SUCH_DAY = "This is not a real date: that month has no such day."
MSG_DATE_NO_SUCH_MONTH = (
    "This is not a real date: there are 12 months, and the day comes first (dd/mm/yyyy)."
)
MSG_DATE_OUT_OF_RANGE = "This date is too far in the past or the future to be right."
MSG_DATE_REQUIRED = "A date is required here."
MSG_CHILD_REQUIRED = "The CHILD id is missing."
MSG_CHILD_FORMAT = "The CHILD id must be 1 to 10 letters or digits, as the 903 asks."
MSG_TOO_LONG = "{column} is longer than the {limit} characters it may hold."
MSG_INVALID_CODE = "{code} is not a valid {column} code."
MSG_CODE_NOT_YET_VALID = (
    "{code} is not a valid {column} code for an episode starting on {decom}: "
    "it was introduced on {since}."
)
MSG_CODE_RETIRED = (
    "{code} is not a valid {column} code for an episode starting on {decom}: "
    "it was withdrawn after {until}."
)
MSG_CODE_RETIRED_OPEN = (
    "{code} was withdrawn after {until}, but this episode began before then and was still "
    "open after it: a warning, not an error."
)
MSG_DEC_NOT_AFTER_DECOM = "DEC (the episode's end) must be after DECOM (its start)."
MSG_REC_WITHOUT_DEC = "REC is given but DEC is blank: an open episode has neither."
MSG_DEC_WITHOUT_REC = "DEC is given but REC is blank: say why the episode ended."
MSG_DUPLICATE_EPISODE = "This child has two different episodes starting on the same DECOM."
MSG_EXACT_DUPLICATE_EPISODE = "An exact copy of an earlier row; the copy was dropped."
MSG_NO_HEADER_ROW = "This child has episodes but no row in the Header table."
MSG_DUPLICATE_CHILD = "This CHILD appears twice in the Header table with different details."
MSG_EXACT_DUPLICATE_CHILD = "An exact copy of an earlier Header row; the copy was dropped."
MSG_PROVIDER_MISSING = "PLACE_PROVIDER is blank; it is needed for placement type {place}."
MSG_PROVIDER_NOT_EXPECTED = "PLACE_PROVIDER should be blank for placement type {place}; ignored."
MSG_URN_MISSING = "URN is blank; the provider's Ofsted URN (or XXXXXXX) is expected."
MSG_URN_FORMAT = "This is not an Ofsted URN (SC123456, 7 digits, or XXXXXXX)."
MSG_POSTCODE_FORMAT = "This does not look like a postcode."
MSG_POSTCODE_NOT_FOUND = (
    "Postcode not found in the ONS Postcode Directory; distance will be unknown."
)
MSG_DISTANCE_UNREADABLE = "PL_DISTANCE is not a number; the distance will be worked out instead."
MSG_DECOM_AFTER_AS_AT = "DECOM is after the upload's as-at date."
MSG_DEC_AFTER_AS_AT = "DEC is after the upload's as-at date."
MSG_DECOM_BEFORE_DOB = "DECOM is before the child's date of birth."
MSG_MOTHER_CODE = "MOTHER should be 1, 0 or blank."
MSG_UASC_NOT_IN_HEADER = "This child is in the UASC table but not in Header; the row was ignored."
MSG_URN_NOT_FOUND = "URN not found in the Ofsted provider lists."
MSG_CARER_ID_TOO_LONG = f"CARER_ID is longer than {CARER_ID_MAX_CHARS} characters."
MSG_CARER_ID_NOT_FOSTER = (
    "CARER_ID is given for placement type {place}, which is not with a foster carer."
)
MSG_CARER_ID_NOT_FOUND = "CARER_ID is not in the stored foster carers extract."
MSG_COST_NOT_A_NUMBER = "WEEKLY_COST is not an amount in pounds, such as 1234.56."
MSG_COST_NEGATIVE = "WEEKLY_COST cannot be negative."
MSG_COST_TOO_HIGH = (
    f"WEEKLY_COST is over £{WEEKLY_COST_LIMIT:,} a week: is it a yearly cost, or in pence?"
)

# Rules of the DfE's 903 validator (docs/uploads.md#the-dfes-rules); each message names its rule.
# The Children Act 1989 came into force on 14 October 1991: no 903 episode starts before it.
EARLIEST_DECOM = dt.date(1991, 10, 14)
# RNE codes that continue the period of care of the episode before (docs/ssda903.md#rne).
RNE_CONTINUATION = codes.RNE - {"S"}
# What "the placement" is when the DfE compares an episode with the one before it.
PLACEMENT_FIELDS = ["place", "place_provider", "pl_post", "urn"]
MSG_DOB_AFTER_YEAR = (
    "DOB is after {year_end}, the end of the collection year of the as-at date (DfE rule 301)."
)
MSG_DECOM_BEFORE_1991 = (
    "DECOM is before 14/10/1991, when the Children Act 1989 came into force: no episode can "
    "start that early (DfE rule 353)."
)
MSG_EPISODES_OVERLAP = (
    "This episode starts before the child's previous episode ended: episodes cannot overlap "
    "(DfE rule 501)."
)
MSG_FIRST_EPISODE_NOT_S = (
    "RNE should be S: this is the child's first episode in the upload and it starts in this "
    "collection year, unless an earlier episode is missing from the upload (DfE rule 357)."
)
MSG_S_ON_PREVIOUS_DEC = (
    "RNE is S, but the child's previous episode ended the day this one starts: the period of "
    "care goes on, so RNE should say what changed (DfE rule 431)."
)
MSG_CONTINUATION_AFTER_GAP = (
    "RNE {rne} continues the previous episode, but the child's previous episode ended before "
    "this one starts: use S for a new period of care, or correct the dates (DfE rule 433)."
)
MSG_L_PLACEMENT_CHANGED = (
    "RNE is L (legal status changed only), but the placement (PLACE, PLACE_PROVIDER, PL_POST "
    "or URN) differs from the previous episode's (DfE rule 434)."
)
MSG_PLACEMENT_UNCHANGED = (
    "RNE is {rne} (the placement changed), but PLACE, PLACE_PROVIDER, PL_POST and URN are the "
    "same as in the previous episode (DfE rule 435)."
)
MSG_X1_WITHOUT_NEXT = (
    "REC is X1 (the child stays in care), but no episode of the child starts on this DEC "
    "(DfE rule 388)."
)
MSG_PR0_NOT_P1 = (
    "PLACE_PROVIDER PR0 (a parent) fits only placement type P1, placed with parents (DfE rule 550)."
)
MSG_NO_DISTANCE = (
    "No distance from home: PL_DISTANCE is blank and a postcode is missing, so it cannot be "
    "worked out (DfE rule 392a)."
)
MSG_POSTCODE_MISSING = (
    "{column} is blank; both postcodes are expected for a child who is not a UASC, except on "
    "short breaks (DfE rule 392b)."
)
MSG_PL_POST_MISSING = (
    "PL_POST is blank, so the placement's local authority is unknown (DfE rule 169)."
)
MSG_SAME_POSTCODES = (
    "PL_POST is the same as HOME_POST, which only fits placement type P1 (DfE rule 392d)."
)
MSG_UASC_DISTANCE = "PL_DISTANCE is given for a UASC; it should be blank (DfE rule 406)."

_DMY = r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"
_TWO_DIGIT_YEAR = r"^\d{1,2}[/-]\d{1,2}[/-]\d{2}$"
_URN = r"^(?:SC\d{6}|\d{7}|XXXXXXX)$"
_POSTCODE_SHAPE = r"^[A-Z]{1,2}\d[A-Z\d]? ?\d(?:[A-Z]{2})?$"


@dataclass
class Extract:
    """An upload's children and episodes, tidied and typed, ready to stitch."""

    children: pd.DataFrame
    episodes: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    # The postcodes looked up while checking, by postcode: reused to work out distances.
    postcode_lookup: pd.DataFrame | None = None
    # Optional fields whose column the Episodes table did not have (not: had, but blank).
    absent_fields: tuple[str, ...] = EPISODE_OPTIONAL_FIELDS

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def empty_children() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in CHILD_FIELDS})
    for name in ("dob", "mc_dob", "uasc_ceased"):
        frame[name] = pd.Series(dtype="datetime64[ns]")
    frame["uasc"] = pd.Series(dtype=bool)
    return frame


def empty_episodes() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in EPISODE_FIELDS})
    for name in EPISODE_DATE_FIELDS:
        frame[name] = pd.Series(dtype="datetime64[ns]")
    frame["pl_distance"] = pd.Series(dtype=float)
    frame["weekly_cost"] = pd.Series(dtype=float)
    return frame


# Given the distinct values an extract holds, which of them the stored reference data knows;
# None when it holds nothing to check against (then nothing is reported).
KnownValues = Callable[[list[str]], Collection[str] | None]


def validate_extract(
    tables: list[Table],
    *,
    as_at: dt.date,
    check_postcodes: bool = True,
    known_urns: KnownValues | None = None,
    known_carers: KnownValues | None = None,
) -> Extract:
    """Tidy and check the Header, Episodes and UASC tables of one upload.

    `known_urns` and `known_carers` look up the Ofsted providers and the authority's foster
    carer households; episodes naming others are warned about. Without them nothing is checked.
    """
    by_kind = {table.kind: table for table in tables}
    problems: list[Problem] = []
    header = by_kind.get("Header")
    episodes = by_kind.get("Episodes")
    if header is None or episodes is None:
        # The reader has already said which table is missing.
        return Extract(empty_children(), empty_episodes(), problems)

    children = _validate_header(header, problems, as_at=as_at)
    _apply_uasc(children, by_kind.get("UASC"), problems)
    episode_frame, lookup = _validate_episodes(
        episodes,
        children,
        as_at=as_at,
        problems=problems,
        check_postcodes=check_postcodes,
        known_urns=known_urns,
        known_carers=known_carers,
    )
    children = children[CHILD_FIELDS].reset_index(drop=True)
    absent = tuple(f for f in EPISODE_OPTIONAL_FIELDS if f.upper() not in episodes.frame.columns)
    return Extract(children, episode_frame, problems, postcode_lookup=lookup, absent_fields=absent)


# The longest value each stored text column holds (placements.models: a test keeps them the
# same). A code column is checked against its codes instead; these are the free ones.
STORED_LENGTHS = {"child_id": 10, "upn": 13, "urn": 8, "home_post": 8, "pl_post": 8}
_CHILD_ID = r"[A-Za-z0-9]{1,10}$"


def _flag_child_ids(
    frame: pd.DataFrame, raw: pd.DataFrame, where: Where, problems: list[Problem]
) -> None:
    """A CHILD id is 1 to 10 letters or digits: nothing else is stored, and markup or a
    formula never passes as an id."""
    given = frame["child_id"] != ""
    where.flag(given & ~matches(frame["child_id"], _CHILD_ID), "CHILD", raw["CHILD"],
               MSG_CHILD_FORMAT, problems)  # fmt: skip


def _flag_too_long(frame: pd.DataFrame, where: Where, problems: list[Problem]) -> None:
    """Each free text column longer than it may be stored: refused before the database sees
    it."""
    for name, limit in STORED_LENGTHS.items():
        if name == "child_id" or name not in frame.columns:
            continue  # the CHILD id has its own rule
        long = frame[name].astype(str).str.len() > limit
        where.flag(long, name.upper(), frame[name],
                   MSG_TOO_LONG.format(column=name.upper(), limit=limit), problems)  # fmt: skip


# --- Header ----------------------------------------------------------------------------------


def _validate_header(table: Table, problems: list[Problem], *, as_at: dt.date) -> pd.DataFrame:
    raw = table.frame
    frame = pd.DataFrame(
        {
            "_row": raw["_row"].to_numpy(),
            "child_id": tidy_id(raw["CHILD"]),
            "sex": tidy_code(raw["SEX"]),
            "ethnic": tidy_code(raw["ETHNIC"]),
            "upn": tidy_code(raw["UPN"]),
            "mother": tidy_code(raw["MOTHER"]),
        }
    )
    where = Where(table.source, frame)
    where.flag(frame["child_id"] == "", "CHILD", raw["CHILD"], MSG_CHILD_REQUIRED, problems)
    _flag_child_ids(frame, raw, where, problems)
    _flag_too_long(frame, where, problems)
    frame["dob"] = parse_dates(raw["DOB"], "DOB", where, problems, required=True)
    frame["mc_dob"] = parse_dates(raw["MC_DOB"], "MC_DOB", where, problems, required=False)
    year_start = codes.collection_year_start(as_at)
    year_end = year_start.replace(year=year_start.year + 1) - dt.timedelta(days=1)
    where.flag(
        frame["dob"] > pd.Timestamp(year_end), "DOB", raw["DOB"],
        MSG_DOB_AFTER_YEAR.format(year_end=format_date(year_end)), problems,
    )  # fmt: skip
    _flag_invalid_codes(frame, "sex", "SEX", codes.SEX, where, problems)
    _flag_invalid_codes(frame, "ethnic", "ETHNIC", codes.ETHNICITY, where, problems)
    bad_mother = ~frame["mother"].isin({"", "0", "1"})
    where.flag(bad_mother, "MOTHER", frame["mother"], MSG_MOTHER_CODE, problems, warning=True)
    # Only a warning: the child loads, and what is not a code is not kept (as if blank).
    frame.loc[bad_mother, "mother"] = ""

    frame = frame[frame["child_id"] != ""]
    compare = ["child_id", "sex", "dob", "ethnic", "upn", "mother", "mc_dob"]
    exact = exact_copies(frame, key=["child_id"], compare=compare)
    where.flag(exact, "CHILD", frame["child_id"], MSG_EXACT_DUPLICATE_CHILD, problems, warning=True)
    frame = frame[~exact]
    clash = frame.duplicated(subset=["child_id"], keep=False)
    where.flag(clash, "CHILD", frame["child_id"], MSG_DUPLICATE_CHILD, problems)
    frame = frame.drop_duplicates(subset=["child_id"], keep="first").copy()
    frame["uasc"] = False
    frame["uasc_ceased"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return frame.set_index("child_id", drop=False)


def _apply_uasc(children: pd.DataFrame, table: Table | None, problems: list[Problem]) -> None:
    if table is None:
        return
    raw = table.frame
    frame = pd.DataFrame({"_row": raw["_row"].to_numpy(), "child_id": tidy_id(raw["CHILD"])})
    where = Where(table.source, frame)
    frame["duc"] = parse_dates(raw["DUC"], "DUC", where, problems, required=False)
    frame = frame[frame["child_id"] != ""]
    unknown = ~frame["child_id"].isin(children.index)
    where.flag(unknown, "CHILD", frame["child_id"], MSG_UASC_NOT_IN_HEADER, problems, warning=True)
    frame = frame[~unknown].drop_duplicates(subset=["child_id"], keep="last")
    children.loc[frame["child_id"], "uasc"] = True
    children.loc[frame["child_id"], "uasc_ceased"] = frame["duc"].to_numpy()


# --- Episodes --------------------------------------------------------------------------------


def _validate_episodes(
    table: Table,
    children: pd.DataFrame,
    *,
    as_at: dt.date,
    problems: list[Problem],
    check_postcodes: bool,
    known_urns: KnownValues | None,
    known_carers: KnownValues | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    raw = table.frame
    frame = pd.DataFrame({"_row": raw["_row"].to_numpy(), "child_id": tidy_id(raw["CHILD"])})
    for name in EPISODE_CODE_FIELDS:
        frame[name] = tidy_code(raw[name.upper()])
    for name in ("home_post", "pl_post"):
        frame[name] = per_unique(raw[name.upper()], postcodes.normalise_postcodes)
    where = Where(table.source, frame)

    where.flag(frame["child_id"] == "", "CHILD", raw["CHILD"], MSG_CHILD_REQUIRED, problems)
    _flag_child_ids(frame, raw, where, problems)
    _flag_too_long(frame, where, problems)
    frame["decom"] = parse_dates(raw["DECOM"], "DECOM", where, problems, required=True)
    frame["dec"] = parse_dates(raw["DEC"], "DEC", where, problems, required=False)
    frame["pl_distance"] = _parse_distance(raw, where, problems)
    too_early = frame["decom"] < pd.Timestamp(EARLIEST_DECOM)
    where.flag(too_early, "DECOM", raw["DECOM"], MSG_DECOM_BEFORE_1991, problems)

    _flag_invalid_codes(frame, "rne", "RNE", codes.RNE, where, problems)
    _flag_invalid_codes(frame, "ls", "LS", codes.LEGAL_STATUS, where, problems)
    _flag_invalid_codes(frame, "cin", "CIN", codes.CATEGORY_OF_NEED, where, problems)
    _flag_dated_codes(
        frame, "place", "PLACE", codes.PLACEMENT, "decom", where, problems, as_at=as_at
    )
    _flag_dated_codes(
        frame, "rec", "REC", codes.REASON_CEASED, "dec", where, problems, as_at=as_at, blank_ok=True
    )
    provider_given = frame["place_provider"] != ""
    _flag_invalid_codes(
        frame[provider_given], "place_provider", "PLACE_PROVIDER", codes.PLACE_PROVIDER, where,
        problems,
    )  # fmt: skip
    reason_given = frame["reason_place_change"] != ""
    _flag_invalid_codes(
        frame[reason_given], "reason_place_change", "REASON_PLACE_CHANGE",
        codes.REASON_PLACE_CHANGE, where, problems,
    )  # fmt: skip

    ended = frame["dec"].notna()
    where.flag(
        frame["decom"].notna() & ended & (frame["dec"] <= frame["decom"]),
        "DEC", raw["DEC"], MSG_DEC_NOT_AFTER_DECOM, problems,
    )  # fmt: skip
    has_rec = frame["rec"] != ""
    dec_blank = raw["DEC"].str.strip() == ""
    where.flag(has_rec & dec_blank, "REC", frame["rec"], MSG_REC_WITHOUT_DEC, problems)
    where.flag(ended & ~has_rec, "REC", frame["rec"], MSG_DEC_WITHOUT_REC, problems)

    _flag_provider_and_urn(frame, where, problems, known_urns)
    uasc = frame["child_id"].isin(children.index[children["uasc"].to_numpy(dtype=bool)])
    _flag_postcodes_and_distance(frame, raw, uasc, where, problems)
    _flag_as_at(frame, as_at, raw, where, problems)
    _carers_and_costs(frame, raw, where, problems, known_carers)

    # Exact copies are a repair (dropped); two different rows on one key are an error.
    frame = frame[(frame["child_id"] != "") & frame["decom"].notna()]
    exact = exact_copies(frame, key=["child_id", "decom"], compare=EPISODE_FIELDS)
    where.flag(exact, "DECOM", raw["DECOM"], MSG_EXACT_DUPLICATE_EPISODE, problems, warning=True)
    frame = frame[~exact]
    clash = frame.duplicated(subset=["child_id", "decom"], keep=False)
    where.flag(clash, "DECOM", raw["DECOM"], MSG_DUPLICATE_EPISODE, problems)

    orphan = ~frame["child_id"].isin(children.index)
    where.flag(orphan, "CHILD", frame["child_id"], MSG_NO_HEADER_ROW, problems)

    dob = frame["child_id"].map(children["dob"])
    where.flag(
        dob.notna() & (frame["decom"] < dob), "DECOM", raw["DECOM"], MSG_DECOM_BEFORE_DOB,
        problems, warning=True,
    )  # fmt: skip
    lookup = _flag_postcodes(frame, where, problems) if check_postcodes else None
    # The stitching form: each child's episodes in DECOM order, as stitch.py joins them.
    frame = frame.sort_values(["child_id", "decom"], kind="mergesort")
    _flag_episode_sequence(frame, raw, as_at, where, problems)
    return frame[EPISODE_FIELDS].reset_index(drop=True), lookup


def _flag_episode_sequence(
    frame: pd.DataFrame, raw: pd.DataFrame, as_at: dt.date, where: Where, problems: list[Problem]
) -> None:
    """The DfE's rules that compare an episode with the child's episode before or after it.

    `frame` is in stitching form (sorted by CHILD and DECOM). The rows compared are this
    upload's: stored episodes from before the window are not looked at.
    """
    by_child = frame.groupby("child_id", sort=False)
    first = by_child.cumcount() == 0
    before = by_child[["dec", *PLACEMENT_FIELDS]].shift(1)
    next_decom = by_child["decom"].shift(-1)
    rne, decom = frame["rne"], frame["decom"]
    prev_dec = before["dec"]

    where.flag(~first & (decom < prev_dec), "DECOM", raw["DECOM"], MSG_EPISODES_OVERLAP, problems)
    # The DfE asks this only of episodes starting in the collection year. An extract carries the
    # episodes still open on 1 April, which began earlier: their previous episode is in the stored
    # history, and stitching depends on loading them as they are.
    year_start = pd.Timestamp(codes.collection_year_start(as_at))
    where.flag(
        first & (decom >= year_start) & (rne != "S"), "RNE", rne, MSG_FIRST_EPISODE_NOT_S,
        problems,
    )  # fmt: skip
    # An episode starting before the previous one ended is rule 501's; 431 and 433 take the
    # other two cases (the same day, and a gap), so each such row gets one message.
    where.flag(~first & (rne == "S") & (decom == prev_dec), "RNE", rne, MSG_S_ON_PREVIOUS_DEC,
               problems)  # fmt: skip
    # The DfE also flags a continuation after an episode with no DEC. Stitching closes such an
    # open episode on the next DECOM (docs/uploads.md#chain-repair), with its own warning, so
    # only a real gap is refused here.
    gap = ~first & rne.isin(RNE_CONTINUATION) & prev_dec.notna() & (prev_dec < decom)
    for index in frame.index[gap.to_numpy()]:
        problems.append(
            Problem.error(
                MSG_CONTINUATION_AFTER_GAP.format(rne=rne[index]),
                value=rne[index],
                **where.at(index, "RNE"),
            )
        )
    same_placement = pd.Series(True, index=frame.index)
    for name in PLACEMENT_FIELDS:
        same_placement &= frame[name] == before[name]
    where.flag(~first & (rne == "L") & ~same_placement, "RNE", rne, MSG_L_PLACEMENT_CHANGED,
               problems)  # fmt: skip
    for index in frame.index[(~first & rne.isin({"P", "T"}) & same_placement).to_numpy()]:
        problems.append(
            Problem.error(
                MSG_PLACEMENT_UNCHANGED.format(rne=rne[index]),
                value=rne[index],
                **where.at(index, "RNE"),
            )
        )
    x1_alone = (frame["rec"] == codes.CONTINUES_IN_CARE) & frame["dec"].notna()
    x1_alone &= next_decom.isna() | (next_decom != frame["dec"])
    where.flag(x1_alone, "REC", frame["rec"], MSG_X1_WITHOUT_NEXT, problems)


def _flag_postcodes_and_distance(
    frame: pd.DataFrame, raw: pd.DataFrame, uasc: pd.Series, where: Where, problems: list[Problem]
) -> None:
    """The DfE's rules on which postcodes and distances an episode should (not) have.

    All are warnings: a missing postcode only leaves the distance (and whether the placement is
    outside the authority) unknown, as a postcode not found does (docs/uploads.md#distance-from-home).
    """
    home, placed = frame["home_post"], frame["pl_post"]
    in_care = ~frame["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    expected = in_care & ~uasc
    distance = frame["pl_distance"]
    distance_given = distance.notna() & (distance != codes.DISTANCE_NOT_KNOWN)
    distance_text = (
        raw["PL_DISTANCE"].str.strip()
        if "PL_DISTANCE" in raw.columns
        else pd.Series("", index=frame.index, dtype=object)
    )
    no_distance = expected & ~distance_given & ((home == "") | (placed == ""))
    where.flag(no_distance, "PL_DISTANCE", distance_text, MSG_NO_DISTANCE, problems, warning=True)
    for values, column in ((home, "HOME_POST"), (placed, "PL_POST")):
        message = MSG_POSTCODE_MISSING.format(column=column)
        where.flag(expected & (values == ""), column, values, message, problems, warning=True)
    where.flag(in_care & (placed == ""), "PL_POST", placed, MSG_PL_POST_MISSING, problems,
               warning=True)  # fmt: skip
    same = (home != "") & (home == placed) & (frame["place"] != "P1")
    where.flag(same, "PL_POST", placed, MSG_SAME_POSTCODES, problems, warning=True)
    where.flag(uasc & distance_given, "PL_DISTANCE", distance_text, MSG_UASC_DISTANCE, problems,
               warning=True)  # fmt: skip


def _flag_provider_and_urn(
    frame: pd.DataFrame, where: Where, problems: list[Problem], known_urns: KnownValues | None
) -> None:
    place = frame["place"]
    provider = frame["place_provider"]
    known_place = place.isin(codes.PLACEMENT.keys())
    no_provider = place.isin(codes.NO_PROVIDER_PLACEMENTS)
    for mask, message in (
        (known_place & ~no_provider & (provider == ""), MSG_PROVIDER_MISSING),
        (no_provider & (provider != ""), MSG_PROVIDER_NOT_EXPECTED),
    ):
        for index in frame.index[mask]:
            problems.append(
                Problem.warning(
                    message.format(place=place[index]),
                    **where.at(index, "PLACE_PROVIDER"),
                    value=provider[index],
                )  # fmt: skip
            )
    # PR0 (a parent) on any placement but P1 is impossible (DfE rule 550). On a temporary or
    # "other" placement the provider is ignored, with the warning above, so it is not refused.
    parent = known_place & ~no_provider & (provider == "PR0") & (place != "P1")
    where.flag(parent, "PLACE_PROVIDER", provider, MSG_PR0_NOT_P1, problems)
    urn = frame["urn"]
    # A short break (V3/V4) records no placement location at all (the DfE's rule 214).
    short_break = frame["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    urn_expected = known_place & ~place.isin(codes.NO_URN_PLACEMENTS) & ~short_break
    where.flag(urn_expected & (urn == ""), "URN", urn, MSG_URN_MISSING, problems, warning=True)
    bad_urn = (urn != "") & ~matches(urn, _URN)
    where.flag(bad_urn, "URN", urn, MSG_URN_FORMAT, problems, warning=True)
    if known_urns is not None:
        registered = (urn != "") & ~bad_urn & (urn != codes.URN_NOT_REGISTERED)
        _flag_unknown(registered, urn, known_urns, "URN", MSG_URN_NOT_FOUND, where, problems)


def _flag_unknown(
    mask: pd.Series,
    values: pd.Series,
    known: KnownValues,
    column: str,
    message: str,
    where: Where,
    problems: list[Problem],
) -> None:
    """Warn about values (where `mask`) that the reference data does not hold; one lookup."""
    distinct = sorted(set(values[mask]))
    if not distinct:
        return
    found = known(distinct)
    if found is None:
        return
    where.flag(mask & ~values.isin(set(found)), column, values, message, problems, warning=True)


def _carers_and_costs(
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    where: Where,
    problems: list[Problem],
    known_carers: KnownValues | None,
) -> None:
    """The optional CARER_ID and WEEKLY_COST columns: blank (and unchecked) when absent."""
    if "CARER_ID" not in raw.columns:
        frame["carer_id"] = ""
    else:
        carer = tidy_id(raw["CARER_ID"])
        given = carer != ""
        too_long = carer.str.len() > CARER_ID_MAX_CHARS
        where.flag(too_long, "CARER_ID", carer, MSG_CARER_ID_TOO_LONG, problems)
        place = frame["place"]
        for index in frame.index[(given & ~place.isin(CARER_PLACEMENTS)).to_numpy()]:
            problems.append(
                Problem.warning(
                    MSG_CARER_ID_NOT_FOSTER.format(place=place[index] or "blank"),
                    value=carer[index],
                    **where.at(index, "CARER_ID"),
                )
            )
        if known_carers is not None:
            checked = given & ~too_long
            _flag_unknown(
                checked, carer, known_carers, "CARER_ID", MSG_CARER_ID_NOT_FOUND, where, problems
            )
        frame["carer_id"] = carer
    if "WEEKLY_COST" not in raw.columns:
        frame["weekly_cost"] = np.nan
    else:
        frame["weekly_cost"] = parse_costs(raw["WEEKLY_COST"], "WEEKLY_COST", where, problems)


def _flag_as_at(
    frame: pd.DataFrame, as_at: dt.date, raw: pd.DataFrame, where: Where, problems: list[Problem]
) -> None:
    limit = pd.Timestamp(as_at)
    where.flag(frame["decom"] > limit, "DECOM", raw["DECOM"], MSG_DECOM_AFTER_AS_AT, problems,
               warning=True)  # fmt: skip
    where.flag(frame["dec"] > limit, "DEC", raw["DEC"], MSG_DEC_AFTER_AS_AT, problems,
               warning=True)  # fmt: skip


def _flag_postcodes(
    frame: pd.DataFrame, where: Where, problems: list[Problem]
) -> pd.DataFrame | None:
    """Warn about postcodes that are ill-formed or not in the directory; return the lookup."""
    shaped = {}
    for name, column in (("home_post", "HOME_POST"), ("pl_post", "PL_POST")):
        values = frame[name]
        given = values != ""
        badly_shaped = given & ~matches(values, _POSTCODE_SHAPE)
        where.flag(badly_shaped, column, values, MSG_POSTCODE_FORMAT, problems, warning=True)
        shaped[name] = given & ~badly_shaped
    both = pd.concat([frame.loc[shaped[name], name] for name in shaped], ignore_index=True)
    distinct = pd.Series(both.unique(), dtype=object)
    if distinct.empty:
        return None
    # One lookup for both columns, kept for working out distances when the episodes are stored.
    table = postcodes.lookup(distinct).set_axis(distinct.to_numpy())
    missing = set(distinct[~table["found"].to_numpy(dtype=bool)])
    for name, column in (("home_post", "HOME_POST"), ("pl_post", "PL_POST")):
        values = frame[name]
        where.flag(
            shaped[name] & values.isin(missing), column, values, MSG_POSTCODE_NOT_FOUND,
            problems, warning=True,
        )  # fmt: skip
    return table


def _parse_distance(raw: pd.DataFrame, where: Where, problems: list[Problem]) -> pd.Series:
    if "PL_DISTANCE" not in raw.columns:
        return pd.Series(np.nan, index=raw.index, dtype=float)
    text = raw["PL_DISTANCE"].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    unreadable = (text != "") & values.isna()
    where.flag(unreadable, "PL_DISTANCE", text, MSG_DISTANCE_UNREADABLE, problems, warning=True)
    return values.round(1).astype(float)


# --- Shared helpers --------------------------------------------------------------------------


def parse_costs(values: pd.Series, column: str, where: Where, problems: list[Problem]) -> pd.Series:
    """Weekly costs in pounds, to the penny; NaN when blank or wrong (each wrong one an error).

    Finance systems export "£1,234.56" as readily as "1234.56": the pound sign and thousands
    separators are dropped before reading the number.
    """
    text = values.astype(str).str.strip()
    plain = per_unique(text, lambda u: u.str.replace(r"^£|,", "", regex=True).str.strip())
    amounts = pd.to_numeric(plain, errors="coerce")
    # "inf" and "nan" read as numbers but are not amounts.
    amounts = amounts.where(np.isfinite(amounts))
    given = text != ""
    where.flag(given & amounts.isna(), column, text, MSG_COST_NOT_A_NUMBER, problems)
    where.flag(amounts < 0, column, text, MSG_COST_NEGATIVE, problems)
    where.flag(amounts > WEEKLY_COST_LIMIT, column, text, MSG_COST_TOO_HIGH, problems)
    amounts = amounts.where((amounts >= 0) & (amounts <= WEEKLY_COST_LIMIT))
    return amounts.round(2).astype(float)


def exact_copies(frame: pd.DataFrame, *, key: list[str], compare: list[str]) -> pd.Series:
    """Rows that repeat an earlier row in every compared column."""
    # Whole-row comparison only among rows that share a key: the rest cannot be copies.
    shared_key = frame.duplicated(subset=key, keep=False).to_numpy(dtype=bool)
    # A numpy mask, filled in place: assigning a boolean Series into part of a pandas one can
    # turn the whole into objects, and `~` on Python bools gives -1 and -2, not a mask.
    exact = np.zeros(len(frame), dtype=bool)
    if shared_key.any():
        copies = frame[shared_key].duplicated(subset=compare, keep="first")
        exact[shared_key] = copies.to_numpy(dtype=bool)
    return pd.Series(exact, index=frame.index, dtype=bool)


class Where:
    """Turns masks over a table into located problems (file, row, CHILD, column, value)."""

    def __init__(self, source: str, frame: pd.DataFrame) -> None:
        self.source = source
        self.rows = frame["_row"]
        self.children = frame["child_id"]

    def at(self, index: int, column: str) -> dict[str, object]:
        # `index` is a row label: tables keep the integer index they were read with.
        return {
            "file": self.source,
            "row": int(self.rows[index]),
            "child": self.children[index],
            "column": column,
        }

    def flag(
        self,
        mask: pd.Series,
        column: str,
        values: pd.Series,
        message: str,
        problems: list[Problem],
        *,
        warning: bool = False,
    ) -> None:
        make = Problem.warning if warning else Problem.error
        for index in mask.index[mask.to_numpy(dtype=bool)]:
            problems.append(make(message, value=values[index], **self.at(index, column)))


def per_unique(values: pd.Series, tidy: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a string operation to each distinct value once, then spread it back over the rows.

    A 903 column holds few distinct values (codes, dates, postcodes), so this turns tens of
    thousands of Python-level string operations into hundreds.
    """
    positions, uniques = pd.factorize(values)
    tidied = tidy(pd.Series(uniques.astype(str), dtype=object)).to_numpy()
    return pd.Series(tidied[positions], index=values.index)


def matches(values: pd.Series, pattern: str) -> pd.Series:
    return per_unique(values, lambda u: u.str.match(pattern)).astype(bool)


def _tidy_one(value: str) -> str:
    # Most values are already clean: isalnum() answers that in C before any rebuilding.
    return value.upper() if value.isalnum() else "".join(value.split()).upper()


def tidy_code(values: pd.Series) -> pd.Series:
    # Councils' systems export codes in either case and with stray spaces; codes never hold spaces.
    return per_unique(values, lambda u: u.map(_tidy_one))


def tidy_id(values: pd.Series) -> pd.Series:
    return tidy_code(values)


def _why_not_a_date(year: int, month: int, day: int) -> str:
    """Why a date written in a shape we read is still no date (its message)."""
    if not 1 <= month <= 12:
        return MSG_DATE_NO_SUCH_MONTH
    if not 1 <= day <= calendar.monthrange(max(year, 1), month)[1]:
        return MSG_DATE_NO_SUCH_DAY
    # A real day, but beyond what a timestamp holds (before 1677 or after 2262).
    return MSG_DATE_OUT_OF_RANGE


def _read_dates(text: pd.Series) -> pd.DataFrame:
    """Per distinct text: the date it means (NaT if none) and, when it means none, the message
    that says why ("" for a date, or a blank)."""
    # The usual dd/mm/yyyy (or d/m/yyyy) parses in C; only the rest goes through the patterns.
    parsed = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce").astype("datetime64[ns]")
    why = pd.Series("", index=text.index, dtype=object)
    rest = parsed.isna() & (text != "")
    if rest.any():
        others = text[rest]
        parts = others.str.extract(_DMY)
        parts = parts.fillna(others.str.extract(_ISO)).apply(pd.to_numeric, errors="coerce")
        parsed[rest] = pd.to_datetime(
            {"year": parts["y"], "month": parts["m"], "day": parts["d"]}, errors="coerce"
        )
        why[rest & parsed.isna()] = MSG_DATE_UNREADABLE
        # In a shape we read, yet no date: 31/02/2024 is told so, not how to write a date.
        shaped = parts.notna().all(axis=1) & parsed[rest].isna()
        for index in shaped.index[shaped.to_numpy()]:
            y, m, d = (int(parts.at[index, key]) for key in ("y", "m", "d"))
            why[index] = _why_not_a_date(y, m, d)
        two_digit = others.str.match(_TWO_DIGIT_YEAR).to_numpy(dtype=bool)
        why[others.index[two_digit]] = MSG_DATE_TWO_DIGIT_YEAR
    return pd.DataFrame({"parsed": parsed, "why": why}, index=text.index)


DATE_MESSAGES = (
    MSG_DATE_TWO_DIGIT_YEAR,
    MSG_DATE_NO_SUCH_DAY,
    MSG_DATE_NO_SUCH_MONTH,
    MSG_DATE_OUT_OF_RANGE,
    MSG_DATE_UNREADABLE,
)


def parse_dates(
    values: pd.Series, column: str, where: Where, problems: list[Problem], *, required: bool
) -> pd.Series:
    text = values.astype(str)
    positions, uniques = pd.factorize(text)
    read = _read_dates(pd.Series(uniques, dtype=object))
    parsed = pd.Series(read["parsed"].to_numpy()[positions], index=text.index)
    why = pd.Series(read["why"].to_numpy()[positions], index=text.index)
    for message in DATE_MESSAGES:
        where.flag(why == message, column, text, message, problems)
    if required:
        where.flag(text == "", column, text, MSG_DATE_REQUIRED, problems)
    return parsed


def _flag_invalid_codes(
    frame: pd.DataFrame,
    name: str,
    column: str,
    valid: Iterable[str],
    where: Where,
    problems: list[Problem],
) -> None:
    values = frame[name]
    invalid = ~values.isin(set(valid))
    for index in frame.index[invalid.to_numpy()]:
        problems.append(
            Problem.error(
                MSG_INVALID_CODE.format(code=values[index] or "A blank", column=column),
                value=values[index],
                **where.at(index, column),
            )
        )


def _flag_dated_codes(
    frame: pd.DataFrame,
    name: str,
    column: str,
    validity: dict[str, codes.Validity],
    date_field: str,
    where: Where,
    problems: list[Problem],
    *,
    as_at: dt.date,
    blank_ok: bool = False,
) -> None:
    """Codes valid in the collection year the episode started (for REC: when it ended)."""
    candidates = frame[name] != "" if blank_ok else pd.Series(True, index=frame.index)
    _flag_invalid_codes(frame[candidates], name, column, validity.keys(), where, problems)
    dated = {code: rule for code, rule in validity.items() if rule != codes.ALWAYS}
    # Only the few rows holding a code with dates need looking at, code by code.
    frame = frame[frame[name].isin(dated.keys())]
    values, day = frame[name], frame[date_field]
    for code, rule in dated.items():
        uses = (values == code) & day.notna()
        if not uses.any():
            continue
        if rule.valid_from is not None:
            since = pd.Timestamp(codes.collection_year_start(rule.valid_from))
            for index in frame.index[uses & (day < since)]:
                problems.append(
                    Problem.error(
                        MSG_CODE_NOT_YET_VALID.format(
                            code=code,
                            column=column,
                            decom=format_date(day[index]),
                            since=format_date(rule.valid_from),
                        ),  # fmt: skip
                        value=code,
                        **where.at(index, column),
                    )
                )
        if rule.valid_to is not None:
            until = pd.Timestamp(rule.valid_to)
            for index in frame.index[uses & (day > until)]:
                problems.append(
                    Problem.error(
                        MSG_CODE_RETIRED.format(
                            code=code,
                            column=column,
                            decom=format_date(day[index]),
                            until=format_date(rule.valid_to),
                        ),  # fmt: skip
                        value=code,
                        **where.at(index, column),
                    )
                )
            if date_field == "decom":
                # Open at the as-at date counts as open after the withdrawal only if the
                # extract itself reaches past it.
                open_after = frame["dec"] > until
                if pd.Timestamp(as_at) > until:
                    open_after |= frame["dec"].isna()
                still_open = uses & (day <= until) & open_after
                for index in frame.index[still_open]:
                    problems.append(
                        Problem.warning(
                            MSG_CODE_RETIRED_OPEN.format(
                                code=code, until=format_date(rule.valid_to)
                            ),
                            value=code,
                            **where.at(index, column),
                        )
                    )


def format_date(day: dt.date | pd.Timestamp) -> str:
    return f"{day:%d/%m/%Y}"
