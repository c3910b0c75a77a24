"""The forecast's model against processes whose future is known.

1. The simulation's average is the model's expected path, worked out exactly (the expected
   counts follow a linear recursion).
2. Children entering care at a steady rate, each leaving with the same chance every month or at
   18: in a steady state the expected number in care is known in closed form, and a forecast
   estimated from the history must find it.
3. The forecast's first month is the stored indicators of that month, exactly.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sufficiency.care_history import MonthRange, build_care_history, month_index
from sufficiency.forecast.backtest import BACKTEST_COLUMNS, HORIZONS, past_forecasts, track_record
from sufficiency.forecast.measures import (
    MEASURES,
    MSG_TOO_LITTLE_HISTORY,
    TooLittleHistory,
    forecast,
    forecast_from,
    reference_period,
)
from sufficiency.forecast.model import (
    PointRates,
    Rates,
    Scenario,
    estimate,
    expected_stock,
    simulate,
)
from sufficiency.forecast.states import AGES, BANDS, GROUPS, observe
from sufficiency.indicators import compute_indicators

G, B = len(GROUPS), len(BANDS)


def _certain(rates: PointRates) -> Rates:
    """Rates known exactly: posteriors so tight that drawing from them changes nothing."""
    big = 1e12
    return Rates(
        leave=np.stack([rates.leave * big, (1 - rates.leave) * big]),
        move=rates.move * big,
        birthday=rates.birthday,
        arrive=np.stack([rates.arrive * big, np.full(rates.arrive.shape, big)]),
        starts=np.array([rates.starts * big, big]),
    )


def test_the_simulated_average_is_the_expected_path() -> None:
    rng = np.random.default_rng(3)
    leave = np.full((B, G), 0.02)
    leave[-1] += 0.03  # 16 and 17 year olds leave faster
    move = np.full((B, G, G), 0.003)
    for band in range(B):
        np.fill_diagonal(move[band], 0.0)
        move[band] += np.diag(1 - move[band].sum(axis=1))
    rates = PointRates(
        leave=leave,
        move=move,
        birthday=np.full(AGES, 1 / 12),
        arrive=rng.gamma(2.0, 0.3, size=(AGES, G)),
        starts=40.0,
    )
    start = rng.integers(0, 10, size=(AGES, G))
    expected = expected_stock(rates, start, months=36).sum(axis=(1, 2))

    futures = simulate(_certain(rates), start, months=36, futures=400, rng=rng)
    simulated = futures.stock.sum(axis=(2, 3)).mean(axis=0)

    assert simulated[0] == start.sum()
    assert np.abs(simulated[1:] / expected[1:] - 1).max() < 0.01
    assert abs(np.nanmean(futures.starts) - 40.0) < 1.0


# --- A steady authority whose expected future is known -----------------------------------


ENTRIES_A_MONTH = 30
LEAVE_A_MONTH = 0.03
FIRST_DAY = pd.Timestamp("2010-01-01")
AS_AT = pd.Timestamp("2025-03-31")


def steady_history(
    seed: int, *, doubled_from: pd.Timestamp | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """15 years of a steady process: ENTRIES_A_MONTH children a month (Poisson) of ages
    uniform from 0 to 17, each in one foster placement, leaving with chance LEAVE_A_MONTH a
    month or on their 18th birthday. With `doubled_from`, twice as many enter from then on."""
    rng = np.random.default_rng(seed)
    months = pd.date_range(FIRST_DAY, AS_AT, freq="MS")
    rate = np.full(len(months), float(ENTRIES_A_MONTH))
    if doubled_from is not None:
        rate[months >= doubled_from] *= 2
    counts = rng.poisson(rate)
    entry = np.concatenate(
        [
            m + pd.to_timedelta(rng.integers(0, 14, size=n), "D")
            for m, n in zip(months, counts, strict=True)
        ]
    )
    size = len(entry)
    age_days = rng.integers(0, 17 * 365, size=size)
    dob = entry - pd.to_timedelta(age_days, "D")
    # In the first half of a month in, out in the middle of one: in care at exactly as many
    # month ends as the months drawn.
    stay = pd.to_timedelta((rng.geometric(LEAVE_A_MONTH, size=size) * 30.44 + 15).astype(int), "D")
    eighteenth = pd.DatetimeIndex(dob) + pd.DateOffset(years=18)
    end = np.minimum(pd.DatetimeIndex(entry + stay), eighteenth)
    ids = [f"C{i}" for i in range(size)]
    episodes = pd.DataFrame(
        {
            "child_id": ids,
            "decom": pd.DatetimeIndex(entry),
            "dec": pd.DatetimeIndex(end).where(pd.DatetimeIndex(end) <= AS_AT),
            "rne": "S",
            "ls": "C2",
            "place": "U4",
            "place_provider": "PR1",
            "rec": "",
            "pl_post": "",
            "distance": np.nan,
            "outside_la": np.nan,
        }
    )
    episodes["rec"] = np.where(episodes["dec"].notna(), "E8", "")
    return episodes, pd.DataFrame({"child_id": ids, "dob": pd.DatetimeIndex(dob)})


def expected_in_care(
    episodes: pd.DataFrame, children: pd.DataFrame, start: pd.Timestamp, months: int
) -> float:
    """The true expected number in care `months` month ends after `start`, given who is in
    care at `start`: each stays another month with chance 1 - LEAVE_A_MONTH until their 18th
    birthday; each month's entrants (ENTRIES_A_MONTH, ages uniform 0 to 17) likewise."""
    day = start + pd.offsets.MonthEnd(months)
    open_at_start = (episodes["decom"] <= start) & (
        episodes["dec"].isna() | (episodes["dec"] > start)
    )
    dob = children.set_index("child_id").loc[episodes.loc[open_at_start, "child_id"], "dob"]
    still_under_18 = (pd.DatetimeIndex(dob) + pd.DateOffset(years=18)) > day
    staying = (1 - LEAVE_A_MONTH) ** months * float(still_under_18.sum())
    # An entrant of month j (1..months) is in care at the month end `months` - j later with
    # chance (1 - p) ** (months - j), if not yet 18 by then: entry ages uniform on [0, 17).
    gone = np.arange(months)  # months since entry, for j = months .. 1
    under_18 = np.clip((18 - (gone + 0.5) / 12) / 17, 0, 1)
    entrants = ENTRIES_A_MONTH * float(((1 - LEAVE_A_MONTH) ** gone * under_18).sum())
    return staying + entrants


@pytest.fixture(scope="module")
def steady() -> tuple[pd.DataFrame, pd.DataFrame]:
    return steady_history(seed=11)


def test_a_steady_authority_is_forecast_at_its_known_future(steady) -> None:
    episodes, children = steady
    history = build_care_history(episodes, children)
    start = pd.Timestamp("2022-03-31")
    reference = reference_period(int(month_index(np.datetime64(start.date()))), months=120)
    frame = forecast(history, reference=reference, futures=400, seed=1).frame
    frame = frame.set_index(["measure", "period_end"])
    for months in (12, 24, 36):
        truth = expected_in_care(episodes, children, start, months)
        row = frame.loc[("cla_count", start + pd.offsets.MonthEnd(months))]
        assert abs(row["mean"] / truth - 1) < 0.05, (months, row["mean"], truth)
        assert row["lower_80"] < truth < row["upper_80"]
        assert row["lower_95"] <= row["lower_80"] <= row["mean"] <= row["upper_80"]
        assert row["upper_80"] <= row["upper_95"]
    # Everyone is in in-house fostering: the other groups stay empty.
    assert frame.loc["residential_count", "upper_95"].max() == 0


def test_the_first_month_is_the_stored_indicators_exactly(steady) -> None:
    episodes, children = steady
    history = build_care_history(episodes, children)
    start = pd.Timestamp("2023-06-30")
    result = forecast(
        history,
        reference=reference_period(int(month_index(np.datetime64(start.date())))),
        horizon=3,
        futures=50,
    )
    first = result.frame[result.frame["period_end"] == start].set_index("measure")
    assert list(first.index) == list(MEASURES)
    stored = compute_indicators(
        episodes=episodes, children=children, population={}, start=start, end=start,
        history=history,
    ).set_index("indicator")["value"]  # fmt: skip
    for key in ("cla_count", "in_house_fostering", "kinship_fostering", "starters"):
        assert first.loc[key, "mean"] == stored[key]
        assert first.loc[key, "lower_95"] == first.loc[key, "upper_95"] == stored[key]


def test_too_little_history_is_one_clear_sentence() -> None:
    start = int(month_index(np.datetime64(dt.date(2024, 3, 31))))
    with pytest.raises(TooLittleHistory) as refused:
        reference_period(start, history_from=start - 5)
    assert str(refused.value) == MSG_TOO_LITTLE_HISTORY.format(needed=12, have=5)


# --- The track record --------------------------------------------------------------------


def _track_record(
    episodes: pd.DataFrame, children: pd.DataFrame, *, origins_from: str = "2016-04-30"
) -> pd.DataFrame:
    first = int(month_index(np.datetime64("2016-04-30")))
    last = int(month_index(np.datetime64(AS_AT.date())))
    past = past_forecasts(
        build_care_history(episodes, children),
        months=MonthRange(first=first, count=last - first + 1),
        futures=100,
    )
    past = past[past["origin"] >= pd.Timestamp(origins_from)]
    return track_record(past).set_index(["measure", "horizon_months"])


def test_the_track_record_of_a_steady_authority_holds_its_intervals(steady) -> None:
    record = _track_record(*steady)
    assert list(record.reset_index().columns) == BACKTEST_COLUMNS
    assert {h for _, h in record.index} == set(HORIZONS)
    one_year = record.loc[("cla_count", 12)]
    assert one_year["origins"] >= 40
    # The intervals hold about as often as they say (they hold both kinds of uncertainty);
    # the origins are a month apart, so their outcomes are not independent: loose bounds.
    assert 0.55 <= one_year["coverage_80"] <= 1.0
    assert 0.8 <= one_year["coverage_95"] <= 1.0
    assert one_year["mape"] < 6


def test_a_growing_authority_is_forecast_better_than_no_change() -> None:
    """Entries doubled in April 2021: the number in care climbs for years after, which the
    stock and flow sees coming, once the new level shows in its reference period, and "no
    change" does not."""
    episodes, children = steady_history(seed=5, doubled_from=pd.Timestamp("2021-04-01"))
    record = _track_record(episodes, children, origins_from="2022-03-31")
    for horizon in HORIZONS:
        assert record.loc[("cla_count", horizon), "skill_vs_no_change"] < 0.7, horizon


# --- Scenarios ----------------------------------------------------------------------------


def test_a_scenario_changes_the_forecast_as_its_rates_say(steady) -> None:
    episodes, children = steady
    history = build_care_history(episodes, children)
    reference = reference_period(int(month_index(np.datetime64("2022-03-31"))), months=120)
    observed = observe(history, reference)
    point = estimate(observed).means()
    start = observed.stock[-1]

    def in_care(scenario: Scenario | None, months: int = 36) -> float:
        return float(expected_stock(point, start, months=months, scenario=scenario)[-1].sum())

    base = in_care(None)
    more = in_care(Scenario(name="more", entries=0.2))
    faster = in_care(Scenario(name="faster", leaving=0.2))
    assert more > base * 1.05 and faster < base * 0.95
    # With no child arriving and no one leaving but at 18, only birthdays change the number.
    frozen = Scenario(name="frozen", entries=-1.0, leaving=-1.0)
    assert in_care(frozen, months=1) <= start.sum()

    # The simulation agrees with the expected path under the same scenario.
    simulated = forecast_from(observed, futures=300, seed=3, scenario=Scenario(entries=0.2))
    mean = simulated.frame.set_index(["measure", "period_end"]).loc[
        ("cla_count", pd.Timestamp("2022-03-31") + pd.offsets.MonthEnd(36)), "mean"
    ]
    assert abs(mean / more - 1) < 0.03


def test_agency_placements_made_in_house_move_arrivals_between_the_groups() -> None:
    rates = PointRates(
        leave=np.full((B, G), 0.02),
        move=np.broadcast_to(np.eye(G), (B, G, G)).copy(),
        birthday=np.full(AGES, 1 / 12),
        arrive=np.zeros((AGES, G)),
        starts=0.0,
    )
    agency, in_house = GROUPS.index("agency_fostering"), GROUPS.index("in_house_fostering")
    rates.arrive[5, agency] = 2.0
    start = np.zeros((AGES, G))
    path = expected_stock(
        rates, start, months=12, scenario=Scenario(name="in-house", agency_to_in_house=0.75)
    )
    arrived = path[1]
    assert abs(arrived[:, agency].sum() - 0.5) < 1e-9
    assert abs(arrived[:, in_house].sum() - 1.5) < 1e-9
