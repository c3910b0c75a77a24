"""The rules a single Target row keeps, whatever writes it (the targets page, the admin)."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from sufficiency.models import (
    INFO_HAS_NO_TARGET,
    MARGIN_DECIMALS,
    MARGIN_WHOLE_NUMBER,
    PERCENT_OUT_OF_RANGE,
    WHOLE_NUMBER,
    Target,
)
from sufficiency.registry import BY_KEY


def problems(**fields: object) -> dict[str, list[str]]:
    try:
        Target(**fields).clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def test_target_in_its_indicators_unit_is_accepted() -> None:
    assert problems(indicator="moves_3plus", value=12.5, amber_margin=1.5) == {}
    assert problems(indicator="cla_count", value=450, amber_margin=5) == {}


def test_target_percentage_over_100_is_refused() -> None:
    assert problems(indicator="moves_3plus", value=100.1) == {"value": [PERCENT_OUT_OF_RANGE]}


def test_target_fraction_of_a_count_is_refused_for_value_and_margin() -> None:
    name = BY_KEY["cla_count"].name
    assert problems(indicator="cla_count", value=450.5, amber_margin=2.5) == {
        "value": [WHOLE_NUMBER.format(name=name)],
        "amber_margin": [MARGIN_WHOLE_NUMBER],
    }
    assert problems(indicator="moves_3plus", value=10, amber_margin=0.25) == {
        "amber_margin": [MARGIN_DECIMALS]
    }


def test_target_for_an_information_only_indicator_is_refused() -> None:
    definition = next(d for d in BY_KEY.values() if d.polarity == "info")
    assert problems(indicator=definition.key, value=1) == {
        NON_FIELD_ERRORS: [INFO_HAS_NO_TARGET.format(name=definition.name)]
    }


def test_target_without_a_value_is_left_to_the_form_that_could_not_read_it() -> None:
    assert problems(indicator="moves_3plus", value=None) == {}
