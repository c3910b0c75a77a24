"""Indicator values appear after an upload, are exported as the operator expects, and a failing
computation is retried and then reported."""

import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.conf import settings
from django.core.management import call_command

from placements.models import (
    CarerHousehold,
    Episode,
    LocalAuthority,
    PlacementCost,
    Population,
    Upload,
)
from sufficiency import care_history, services
from sufficiency.models import Computation, IndicatorValue
from sufficiency.registry import DEFINITIONS_VERSION
from sufficiency.tasks import MAX_RETRIES, recompute_all_task
from tests.extracts import child, episode, extract_files
from tests.helpers import run_import_903

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Tests run in a transaction that never commits: this runs what follows each commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def la() -> LocalAuthority:
    la = LocalAuthority.objects.create(code="996", name="Valueton", districts=["E09000028"])
    Population.objects.create(la=la, year=2023, count=50000)
    return la


def load(tmp_path, la: LocalAuthority, on_commit) -> None:
    files = extract_files(
        [child("A1"), child("B2", SEX="2")],
        [
            episode("A1", "10/01/2024", DEC="01/03/2024", REC="X1"),
            episode("A1", "01/03/2024", RNE="P", PLACE="U5", REASON_PLACE_CHANGE="CARPL"),
            episode("B2", "15/02/2024", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
        ],
    )
    with on_commit():
        run_import_903(tmp_path, la, files, "--as-at", "2024-03-31")


def export(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("export_indicators", *args, stdout=out)
    return out.getvalue().splitlines()


def test_values_appear_after_an_upload_without_running_anything(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    run = Computation.objects.get(la=la)
    assert (run.status, run.trigger, run.definitions_version) == (
        "done",
        "upload",
        DEFINITIONS_VERSION,
    )
    # The upload's window, 1 April 2023 to 31 March 2024, is where the history starts.
    assert run.upload is not None and run.months == 12
    march = IndicatorValue.objects.get(la=la, indicator="cla_count", period_end="2024-03-31")
    assert (march.value, march.numerator) == (2, 2)


def test_export_indicators_writes_the_operators_csv(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    lines = export("--la", la.code)
    assert lines[0] == "indicator,period_end,value,numerator,denominator"
    assert "cla_count,2024-01-31,1,1,1" in lines
    assert "cla_count,2024-02-29,2,2,2" in lines
    # 2 per 50,000 children x 10,000 = 0.4, a whole number: 0
    assert "cla_rate,2024-03-31,0,2,50000" in lines
    # A1 fostered in-house (U5, PR1): none of the 1 foster placement is with an agency
    assert "ifa_share,2024-03-31,0.0,0,1" in lines
    assert "residential_count,2024-03-31,1,1,1" in lines


def test_export_indicators_from_and_to(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    lines = export("--la", la.code, "--from", "2024-02-01", "--to", "2024-02-29")
    periods = {line.split(",")[1] for line in lines[1:]}
    assert periods == {"2024-02-29"}


def test_recomputing_twice_gives_the_same_values(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    first = export("--la", la.code)
    call_command("compute_indicators", "--la", la.code, stdout=io.StringIO())
    assert export("--la", la.code) == first
    assert IndicatorValue.objects.filter(la=la).count() == len(first) - 1


def test_a_failing_computation_is_retried_then_reported(la, tmp_path, on_commit, monkeypatch):
    def broken(**kwargs):
        raise ValueError("A1 row contents must never be shown")

    monkeypatch.setattr(services, "compute_indicators", broken)
    load(tmp_path, la, on_commit)
    runs = list(Computation.objects.filter(la=la).order_by("attempt"))
    assert [r.attempt for r in runs] == list(range(1, MAX_RETRIES + 2))
    assert all(r.status == "failed" for r in runs)
    assert runs[-1].final and not runs[0].final
    assert runs[-1].error == "The computation stopped with an internal error (ValueError)."
    assert IndicatorValue.objects.filter(la=la).count() == 0


def test_monthly_recompute_goes_on_past_a_failing_authority(la, tmp_path, on_commit, monkeypatch):
    load(tmp_path, la, on_commit)
    broken = LocalAuthority.objects.create(code="995", name="Brokenham", districts=["E09000028"])
    real = services.read_inputs

    def read_inputs(*, la_id):
        if la_id == broken.pk:
            raise RuntimeError("unreadable")
        return real(la_id=la_id)

    monkeypatch.setattr(services, "read_inputs", read_inputs)
    IndicatorValue.objects.all().delete()
    recompute_all_task.delay()
    assert IndicatorValue.objects.filter(la=la).exists()
    assert Computation.objects.filter(la=broken, status="failed", final=True).exists()
    assert Computation.objects.filter(la=la, trigger="schedule", status="done").exists()


def test_beat_runs_the_recompute_monthly():
    entry = settings.CELERY_BEAT_SCHEDULE["recompute-indicators-monthly"]
    assert entry["task"] == "sufficiency.tasks.recompute_all_task"
    assert entry["schedule"].day_of_month == {1}


def test_a_failing_computation_never_logs_row_contents(
    la, tmp_path, on_commit, monkeypatch, caplog
):
    def broken(**kwargs):
        raise ValueError("No date of birth for children with episodes: A1")

    monkeypatch.setattr(services, "compute_indicators", broken)
    load(tmp_path, la, on_commit)
    assert Computation.objects.filter(la=la, status="failed", final=True).exists()
    assert "A1" not in caplog.text


def test_children_in_numerator_lists_the_children_behind_the_stored_value(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    march = dt.date(2024, 3, 31)

    members = services.children_in_numerator(la=la, indicator="cla_count", period_end=march)

    stored = IndicatorValue.objects.get(la=la, indicator="cla_count", period_end=march)
    assert list(members["child_id"]) == ["A1", "B2"] and len(members) == stored.numerator
    a1 = members.iloc[0]
    # A1 moved to a U5 carer on 1 March (RNE P): the placement began then, the period in
    # January. Born 1 June 2012: 11 at 31 March 2024.
    assert (a1["age"], a1["place"], a1["provider"], a1["urn"]) == (11, "U5", "PR1", "1234567")
    assert a1["placement_start"] == pd.Timestamp("2024-03-01")
    assert a1["period_start"] == pd.Timestamp("2024-01-10")
    # SE1 7PB is in Lambeth, next door: outside Southwark's boundary, a few miles from home.
    assert bool(a1["outside_la"]) and 0 < a1["distance"] < 20
    assert pd.isna(a1["event_date"])


def test_children_in_numerator_of_a_placement_count_carries_the_urn(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)

    homes = services.children_in_numerator(
        la=la, indicator="residential_count", period_end=dt.date(2024, 3, 31)
    )

    assert homes[["child_id", "place", "provider", "urn"]].to_numpy().tolist() == [
        ["B2", "K2", "PR4", "SC123456"]
    ]


def test_children_in_numerator_of_an_authority_without_episodes_is_empty(la):
    members = services.children_in_numerator(
        la=la, indicator="starters_12m", period_end=dt.date(2024, 3, 31)
    )

    assert members.empty
    assert list(members.columns) == care_history.MEMBER_COLUMNS


# --- Supply: carers and costs ---------------------------------------------------------------


def add_carers_and_costs(la: LocalAuthority) -> None:
    """After `load`: A1 placed with in-house carer C1 from 1 March, costed by the costs extract;
    B2's children's home costed on its episode; three households, one an agency's."""
    Episode.objects.filter(la=la, child__child_id="A1", decom="2024-03-01").update(carer_id="C1")
    Episode.objects.filter(la=la, child__child_id="B2").update(weekly_cost=Decimal("4000.00"))
    PlacementCost.objects.create(
        la=la, child_id="A1", decom="2024-03-01", weekly_cost=Decimal("512.34")
    )
    common = {"la": la, "carer_type": CarerHousehold.CarerType.MAINSTREAM}
    CarerHousehold.objects.create(
        **common, carer_id="C1", provision="IN_HOUSE", approval_date="2020-01-01",
        approved_places=2,
    )  # fmt: skip
    CarerHousehold.objects.create(
        **common, carer_id="C2", provision="IN_HOUSE", approval_date="2024-03-15",
        approved_places=1,
    )  # fmt: skip
    CarerHousehold.objects.create(
        **common, carer_id="C3", provision="AGENCY", agency_urn="1234567",
        approval_date="2020-01-01", approved_places=3,
    )  # fmt: skip


def stored(la: LocalAuthority, indicator: str, period_end: str) -> tuple[float | None, int, int]:
    value = IndicatorValue.objects.get(la=la, indicator=indicator, period_end=period_end)
    return value.value, value.numerator, value.denominator


def test_recompute_stores_the_supply_indicators_from_carers_and_costs(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    add_carers_and_costs(la)

    run = services.recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)

    assert run.status == "done" and run.months == 12  # the window's 12 month ends
    march = "2024-03-31"
    # C1 and C2 are in-house and approved at 31 March (C2 on 15 March); C3 is an agency's.
    assert stored(la, "fostering_households", march) == (2, 2, 2)
    assert stored(la, "carer_approvals", march) == (1, 1, 1)
    assert stored(la, "approved_places", march) == (3, 3, 3)
    # A1 (U5 with C1) fills one of the 3 places.
    assert stored(la, "places_filled", march) == (1, 1, 1)
    assert stored(la, "vacancies", march) == (2, 2, 2)
    assert stored(la, "utilisation", march)[1:] == (1, 3)
    # A1 at £512.34 from the costs extract, B2 at £4,000 from the episode.
    assert stored(la, "avg_cost_in_house_fostering", march) == (512.34, 51_234, 1)
    assert stored(la, "avg_cost_childrens_homes", march) == (4000.0, 400_000, 1)
    assert stored(la, "cost_known_share", march) == (100.0, 2, 2)
    value, weekly, children = stored(la, "monthly_spend", march)
    assert (weekly, children) == (451_234, 2) and value == pytest.approx(4512.34 * 52 / 12)
    # In February neither child's episode named a carer: who fills a place is not known.
    assert stored(la, "places_filled", "2024-02-29") == (None, 0, 0)
    assert stored(la, "fostering_households", "2024-02-29") == (1, 1, 1)


def test_export_writes_money_to_the_penny_and_unknown_values_blank(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    add_carers_and_costs(la)
    services.recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)

    lines = export("--la", la.code)

    assert "avg_cost_in_house_fostering,2024-03-31,512.34,51234,1" in lines
    assert "monthly_spend,2024-03-31,19553.47,451234,2" in lines
    assert "avg_cost_kinship,2024-03-31,,0,0" in lines
    assert "places_filled,2024-02-29,,0,0" in lines
    assert "utilisation,2024-03-31,33.3,1,3" in lines
    assert "fostering_households,2024-03-31,2,2,2" in lines


def test_upload_without_carers_stores_no_carer_figures(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    # The values worked out after the upload: no carers extract yet, so no household figures.
    assert stored(la, "fostering_households", "2024-03-31") == (None, 0, 0)
    assert stored(la, "cost_known_share", "2024-03-31") == (0.0, 0, 2)


def test_a_later_carers_extract_does_not_add_month_ends(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    add_carers_and_costs(la)
    Upload.objects.create(
        la=la, kind=Upload.Kind.CARERS, status=Upload.Status.LOADED,
        as_at=dt.date(2024, 6, 30), fingerprint="carers",
    )  # fmt: skip

    run = services.recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)

    # The 903 history ends on 31 March: April to June would show children where they were.
    assert run.months == 12
    latest = IndicatorValue.objects.filter(la=la).latest("period_end").period_end
    assert latest == dt.date(2024, 3, 31)


def test_children_in_numerator_of_a_supply_indicator_carries_carer_and_cost(
    la, tmp_path, on_commit
):
    load(tmp_path, la, on_commit)
    add_carers_and_costs(la)
    march = dt.date(2024, 3, 31)

    filled = services.children_in_numerator(la=la, indicator="places_filled", period_end=march)
    homes = services.children_in_numerator(
        la=la, indicator="avg_cost_childrens_homes", period_end=march
    )

    assert filled[["child_id", "place", "carer_id", "weekly_cost"]].to_numpy().tolist() == [
        ["A1", "U5", "C1", 512.34]
    ]
    assert homes[["child_id", "urn", "weekly_cost"]].to_numpy().tolist() == [
        ["B2", "SC123456", 4000.0]
    ]


def test_children_in_numerator_of_a_household_indicator_is_refused(la, tmp_path, on_commit):
    load(tmp_path, la, on_commit)
    add_carers_and_costs(la)

    with pytest.raises(ValueError, match="counts foster carer households or places"):
        services.children_in_numerator(
            la=la, indicator="fostering_households", period_end=dt.date(2024, 3, 31)
        )


def test_format_value_by_unit():
    assert services.format_value("monthly_spend", 19553.473) == "19553.47"
    assert services.format_value("avg_cost_kinship", 0.0) == "0.00"
    assert services.format_value("avg_cost_kinship", float("nan")) == ""
    assert services.format_value("utilisation", 100 / 3) == "33.3"
    assert services.format_value("vacancies", 2.0) == "2"
