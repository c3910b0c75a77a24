"""CONTRIBUTING.md stays true: its toy indicator is declared, computed, tested, documented and
checked for disclosure exactly as the checklist says, and every file it names exists."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sufficiency import indicators, registry
from sufficiency.care_history import build_care_history, month_index
from sufficiency.declaration import Registry
from sufficiency.documentation import indicators_markdown
from sufficiency.measures import care
from sufficiency.supply_history import build_supply_history
from tests.sufficiency import test_indicators
from tests.sufficiency.test_registry import disclosure_problems
from tests.sufficiency.test_supply import synthetic_frames

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", GUIDE, re.M | re.S)
    assert match, f"CONTRIBUTING.md has no section {title!r}"
    return match.group(1)


def _code_blocks(section: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> tuple[Registry, dict[str, Any]]:
    """The guide's toy declaration, run as if written at the end of sufficiency/measures/care.py
    (its names, its decorator), into a copy of the registry."""
    declaration, _ = _code_blocks(_section("Adding an indicator"))
    copy = Registry()
    copy.indicators = list(registry.REGISTRY.indicators)
    copy.breakdowns = dict(registry.REGISTRY.breakdowns)
    namespace = dict(vars(care))
    namespace["indicator"] = lambda **fields: copy.declare("ssda903", **fields)
    exec(compile(declaration, "CONTRIBUTING.md", "exec"), namespace)  # noqa: S102 - our own text
    copy.check()
    monkeypatch.setattr(
        indicators, "SSDA903_INDICATORS", tuple(i for i in copy.indicators if i.family == "ssda903")
    )
    monkeypatch.setattr(indicators, "BY_KEY", {i.key: i for i in copy.indicators})
    return copy, namespace


def test_the_toy_indicator_declared_as_the_guide_says_passes_the_guide_s_test(
    toy: tuple[Registry, dict[str, Any]],
) -> None:
    _, test = _code_blocks(_section("Adding an indicator"))
    namespace = dict(vars(test_indicators))
    exec(compile(test, "CONTRIBUTING.md", "exec"), namespace)  # noqa: S102 - our own text
    tests = [value for name, value in namespace.items() if name.startswith("test_aged_16_17")]
    assert len(tests) == 1
    tests[0]()


def test_the_toy_indicator_is_documented_and_lists_its_children(
    toy: tuple[Registry, dict[str, Any]],
) -> None:
    copy, _ = toy
    text = indicators_markdown(copy)
    assert '<a id="aged_16_17"></a>\n\n## Children looked after aged 16 or 17\n' in text
    assert "stands alone. An age group, which cuts across the placement groups" in text
    rows = test_indicators.chain("A", test_indicators.step("2024-06-01", "S"))
    listed = indicators.numerator_children(
        episodes=test_indicators.episodes_frame(rows),
        children=test_indicators.children_frame({"A": "2009-03-15"}),
        indicator="aged_16_17",
        period_end=dt.date(2025, 3, 31),
    )
    assert listed["child_id"].tolist() == ["A"]


def test_the_toy_indicator_s_disclosure_holds_on_a_synthetic_authority(
    toy: tuple[Registry, dict[str, Any]],
) -> None:
    copy, _ = toy
    episodes, children, carers, costs = synthetic_frames(300, 4, 21, dt.date(2025, 6, 30))
    history = build_care_history(episodes, children)
    supply = build_supply_history(history, episodes, carers, costs)
    months = [int(month_index(np.datetime64(day, "D"))) for day in ["2024-03-31", "2025-03-31"]]
    assert disclosure_problems(copy.indicators[-1:], history, supply, months) == []


def test_a_toy_without_its_disclosure_is_refused_with_the_guide_s_words(
    toy: tuple[Registry, dict[str, Any]],
) -> None:
    declaration, _ = _code_blocks(_section("Adding an indicator"))
    without = re.sub(r"    disclosure=stands_alone\(.*?\n    \),\n", "", declaration, flags=re.S)
    assert without != declaration
    copy = Registry()
    namespace = dict(vars(care))
    namespace["indicator"] = lambda **fields: copy.declare("ssda903", **fields)
    with pytest.raises(ValueError, match="does not say how it relates to other figures"):
        exec(compile(without, "CONTRIBUTING.md", "exec"), namespace)  # noqa: S102
    assert "or it cannot be declared" in _section("Adding an indicator")


def test_every_file_the_guide_names_exists() -> None:
    named = set(re.findall(r"`((?:[a-z_]+/)+[a-z_<>]+\.(?:py|md))`", GUIDE))
    named |= set(re.findall(r"`([a-z_]+/(?:[a-z_]+/)*)`", GUIDE))
    assert len(named) > 10
    for path in sorted(named):
        if "<" in path:
            assert (ROOT / path.split("<")[0]).is_dir(), path
        else:
            assert (ROOT / path).exists(), path


def test_every_function_and_constant_the_guide_names_exists() -> None:
    from dashboard import access
    from placements import uploads
    from placements.ssda903 import readers
    from sufficiency import care_history, declaration

    assert callable(readers.single_table_layout) and isinstance(uploads.LAYOUTS, dict)
    assert callable(uploads._finish) and callable(access.require) and callable(access.authority_for)
    for name in ("looked_after", "in_month", "isin"):
        assert callable(getattr(care_history, name))
    for name in ("cell_of", "total_of", "gives_away", "stands_alone"):
        assert callable(getattr(declaration, name))
    assert callable(care.count_fields) and care.REGISTRY is registry.REGISTRY
    assert registry.DEFINITIONS_VERSION
