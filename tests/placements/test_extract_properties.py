"""Random text in any field of any extract never makes an internal error (hypothesis).

Each example is a small valid extract of one kind (the SSDA903 tables Header, Episodes with its
optional columns, and UASC; the foster carers extract; the placement costs extract) with a few
of one table's fields replaced by random text: control characters, quotes, separators, line
breaks, long strings, numbers and dates out of range. It goes through what an import does:
the 903 checks against careless uploads, then reading, checking, stitching and storing. The
upload must end loaded, or rejected with its errors listed; never failed ("a fault in the
product"). Each example is rolled back, so each starts from the same empty history.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placements import carers, costs
from placements.checks import extract_checks
from placements.models import LocalAuthority, Upload
from placements.ssda903.readers import EPISODE_OPTIONAL_COLUMNS, RawFile
from placements.uploads import import_extract, validate_903_files
from tests.extracts import EPISODES, HEADER, UASC, child, episode, to_csv
from tests.placements.carer_extracts import cost, household

pytestmark = pytest.mark.django_db

AS_AT = dt.date(2025, 10, 31)
# A bounded number of examples per table: the whole module runs in well under 30 s.
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EPISODE_COLUMNS = [*EPISODES, *EPISODE_OPTIONAL_COLUMNS]


def extract(table: str, changes: dict[str, str], row: int) -> tuple[str, list[RawFile]]:
    """The kind of upload and its files: a valid extract with `changes` made to one row of
    `table`."""
    children = [child("A1"), child("B2", SEX="2", DOB="03/03/2015")]
    episodes = [
        episode("A1", "01/05/2025", CARER_ID="FC1", WEEKLY_COST="650.00"),
        episode("B2", "10/06/2025", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
    ]
    uasc = [{"CHILD": "B2", "SEX": "2", "DOB": "03/03/2015", "DUC": "03/03/2033"}]
    households = [household("FC1"), household("FC2", PROVISION="AGENCY", AGENCY_URN="SC654321")]
    costed = [cost("A1", "01/05/2025"), cost("B2", "10/06/2025", "1200.50")]
    rows = {
        "Header": children, "Episodes": episodes, "UASC": uasc,
        "carers": households, "costs": costed,
    }[table]  # fmt: skip
    rows[row % len(rows)].update(changes)
    if table == "carers":
        return Upload.Kind.CARERS, [RawFile("carers.csv", to_csv(list(carers.COLUMNS), rows))]
    if table == "costs":
        return Upload.Kind.COSTS, [RawFile("costs.csv", to_csv(list(costs.COLUMNS), rows))]
    return Upload.Kind.SSDA903, [
        RawFile("header.csv", to_csv(HEADER, children)),
        RawFile("episodes.csv", to_csv(EPISODE_COLUMNS, episodes)),
        RawFile("uasc.csv", to_csv(UASC, uasc)),
    ]


COLUMNS = {
    "Header": HEADER,
    "Episodes": EPISODE_COLUMNS,
    "UASC": UASC,
    "carers": list(carers.COLUMNS),
    "costs": list(costs.COLUMNS),
}
# Any text but lone surrogates (which no file can hold), and the values that sit on the edges
# of what the checks read: dates that are not, numbers too large or not numbers, codes in the
# wrong case, formulas, padding.
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
EDGES = st.sampled_from(
    [
        "", " ", "0", "-1", "1e400", "NaN", "inf", "99999999999999999999", "1,5", "£12",
        "31/02/2024", "00/00/0000", "29/02/2023", "2024-13-01", "01/01/1800", "01/01/9999",
        "1/1/24", "=1+1", "@SUM(A1)", '"', "\r\n", "\x00", "\ufeff", "A" * 300, "é", "c2", "x1",
    ]
)  # fmt: skip
VALUE = st.one_of(ANY_TEXT, EDGES)


@pytest.mark.parametrize("table", list(COLUMNS))
def test_random_fields_end_loaded_or_rejected(la: LocalAuthority, table: str) -> None:
    @EXAMPLES
    @given(
        changes=st.dictionaries(st.sampled_from(COLUMNS[table]), VALUE, min_size=1, max_size=3),
        row=st.integers(0, 1),
    )
    def run(changes: dict[str, str], row: int) -> None:
        kind, files = extract(table, changes, row)
        with transaction.atomic():
            if kind == Upload.Kind.SSDA903:
                checked, _ = validate_903_files(files, la_id=la.pk, as_at=AS_AT)
                if not checked.has_errors:
                    extract_checks(checked, la=la, as_at=AS_AT)
            upload = import_extract(
                la=la, user=None, as_at=AS_AT, window_start=dt.date(2025, 4, 1), files=files,
                kind=kind,
            )  # fmt: skip
            assert upload.status != Upload.Status.FAILED, upload.failure
            assert upload.status in {Upload.Status.LOADED, Upload.Status.REJECTED}
            if upload.status == Upload.Status.REJECTED:
                assert upload.errors_count > 0
                assert upload.problems.filter(severity="error").exists()
            transaction.set_rollback(True)

    run()


@pytest.mark.parametrize("table", list(COLUMNS))
def test_the_unchanged_extracts_load(la: LocalAuthority, table: str) -> None:
    # What the random text is put into is a valid extract: a rejection is the text's doing.
    kind, files = extract(table, {}, 0)
    upload = import_extract(
        la=la, user=None, as_at=AS_AT, window_start=dt.date(2025, 4, 1), files=files, kind=kind
    )
    assert upload.status == Upload.Status.LOADED, list(upload.problems.values_list("message"))
