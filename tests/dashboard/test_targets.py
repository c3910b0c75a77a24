"""The targets and commentary page through the test client: who may use it, and what it says."""

from __future__ import annotations

import datetime as dt
import re

import factory
import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from dashboard import target_forms
from dashboard.forms import DATE_INVALID
from dashboard.pages.targets import MONTH_NOT_AVAILABLE
from placements.models import LocalAuthority
from sufficiency.models import (
    INFO_HAS_NO_TARGET,
    MARGIN_DECIMALS,
    MARGIN_NEGATIVE,
    MARGIN_OUT_OF_RANGE,
    PERCENT_DECIMALS,
    PERCENT_OUT_OF_RANGE,
    VALUE_NEGATIVE,
    WHOLE_NUMBER,
    Commentary,
    IndicatorValue,
    Target,
)
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION, INDICATORS
from tests.conftest import LocalAuthorityFactory, UserFactory
from tests.helpers import client_for, page_text

pytestmark = pytest.mark.django_db

PAGE = "dashboard-targets"
MARCH = dt.date(2025, 3, 31)
FEBRUARY = dt.date(2025, 2, 28)
# Names from the catalogue, which may be reworded: the tests check they are used, not wording.
MOVES = BY_KEY["moves_3plus"].name


class TargetFactory(DjangoModelFactory):
    class Meta:
        model = Target

    la = factory.SubFactory(LocalAuthorityFactory)
    indicator = "moves_3plus"
    value = 10.0
    start_date = dt.date(2025, 4, 1)
    amber_margin = 2.0
    set_by = factory.SubFactory(UserFactory)


class CommentaryFactory(DjangoModelFactory):
    class Meta:
        model = Commentary

    la = factory.SubFactory(LocalAuthorityFactory)
    indicator = "moves_3plus"
    period_end = MARCH
    text = "Fewer moves since the new matching panel started."
    author = factory.SubFactory(UserFactory)


def computed(la: LocalAuthority, *periods: dt.date, **values: float) -> None:
    """Indicator values for each month end: cla_count always (it marks the month as computed)."""
    for period in periods:
        for key, value in {"cla_count": 450.0, **values}.items():
            IndicatorValue.objects.create(
                la=la,
                indicator=key,
                period_end=period,
                value=value,
                numerator=1,
                denominator=1,
                definitions_version=DEFINITIONS_VERSION,
                computed_at=timezone.now(),
            )


def target_data(la: LocalAuthority, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "la": la.pk,
        "target-indicator": "moves_3plus",
        "target-value": "10",
        "target-start_date": "2025-04-01",
        "target-amber_margin": "2",
        "target-note": "Sufficiency strategy 2025 to 2028",
    }
    data.update({f"target-{k}" if k != "la" else k: v for k, v in overrides.items()})
    return data


def edit_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "target-value": "9.5",
        "target-start_date": "2025-04-01",
        "target-amber_margin": "1.5",
        "target-note": "",
    }
    data.update({f"target-{k}": v for k, v in overrides.items()})
    return data


def save_commentary(
    client: Client, la: LocalAuthority, period: dt.date, indicator: str = "", **texts: str
) -> HttpResponse:
    """Post the commentary form as a browser would: every textarea as shown, some changed."""
    page = client.get(
        reverse(PAGE), {"la": la.pk, "period": period.isoformat(), "indicator": indicator}
    )
    form = page.context["commentary"].form
    data: dict[str, object] = {"la": la.pk, "period": period.isoformat(), "indicator": indicator}
    data.update({f"commentary-{name}": field.initial for name, field in form.fields.items()})
    data.update({f"commentary-{key}": text for key, text in texts.items()})
    return client.post(reverse("dashboard-commentary-save"), data)


# --- Who may see and do what -----------------------------------------------------------------


def test_targets_pages_anonymous_is_sent_to_sign_in(la: LocalAuthority) -> None:
    target = TargetFactory(la=la)
    client = Client()
    for response in [
        client.get(reverse(PAGE)),
        client.get(reverse("dashboard-target-edit", args=[target.pk])),
        client.get(reverse("dashboard-target-delete", args=[target.pk])),
        client.post(reverse("dashboard-target-add"), target_data(la)),
        client.post(reverse("dashboard-commentary-save"), {"la": la.pk}),
    ]:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Target.objects.count() == 1


@pytest.mark.parametrize("role", ["officers", "admin"])
def test_targets_page_opens_for_officers_and_admin(make_user, la, role: str) -> None:
    response = client_for(make_user(role, la)).get(reverse(PAGE))
    assert response.status_code == 200
    assert "Add a target" in response.text


def test_targets_page_opens_for_superuser_without_a_group(make_user, la) -> None:
    user = make_user(None, la, is_superuser=True)
    assert client_for(user).get(reverse(PAGE)).status_code == 200


@pytest.mark.parametrize("role", ["data_staff", "committee", None])
def test_targets_pages_forbidden_to_other_roles(make_user, la, role: str | None) -> None:
    target = TargetFactory(la=la)
    computed(la, MARCH)
    client = client_for(make_user(role, la))
    edit = reverse("dashboard-target-edit", args=[target.pk])
    delete = reverse("dashboard-target-delete", args=[target.pk])
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.post(reverse("dashboard-target-add"), target_data(la)).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, edit_data()).status_code == 403
    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    commentary = {"la": la.pk, "period": "2025-03-31", "commentary-cla_count": "Words"}
    assert client.post(reverse("dashboard-commentary-save"), commentary).status_code == 403
    assert Target.objects.get().value == 10.0
    assert Target.objects.count() == 1
    assert not Commentary.objects.exists()


def test_targets_page_of_another_authority_is_not_found(make_user, la, other_la) -> None:
    client = client_for(make_user("officers", la))
    assert client.get(reverse(PAGE), {"la": other_la.pk}).status_code == 404
    assert client.get(reverse(PAGE), {"la": "nonsense"}).status_code == 404


def test_target_of_another_authority_is_not_found(make_user, la, other_la) -> None:
    theirs = TargetFactory(la=other_la)
    client = client_for(make_user("officers", la))
    edit = reverse("dashboard-target-edit", args=[theirs.pk])
    delete = reverse("dashboard-target-delete", args=[theirs.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, edit_data()).status_code == 404
    assert client.get(delete).status_code == 404
    assert client.post(delete).status_code == 404
    theirs.refresh_from_db()
    assert theirs.value == 10.0


def test_target_added_for_another_authority_is_not_found(make_user, la, other_la) -> None:
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-add"), target_data(other_la)
    )
    assert response.status_code == 404
    assert not Target.objects.exists()


def test_commentary_for_another_authority_is_not_found(make_user, la, other_la) -> None:
    computed(other_la, MARCH)
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-commentary-save"),
        {"la": other_la.pk, "period": "2025-03-31", "commentary-cla_count": "Words"},
    )
    assert response.status_code == 404
    assert not Commentary.objects.exists()


def test_page_shows_only_the_users_authorities(make_user, la, other_la) -> None:
    TargetFactory(la=other_la, value=42.0)
    response = client_for(make_user("officers", la)).get(reverse(PAGE))
    assert la.name in response.text
    assert other_la.name not in response.text
    assert "42.0%" not in response.text
    assert 'name="la"' in response.text  # hidden, in the forms
    assert 'id="targets-la"' not in response.text  # no choice to make with one authority


def test_page_offers_a_choice_of_authority_when_several(make_user, la) -> None:
    second = LocalAuthorityFactory(name="Zeta Shire")
    TargetFactory(la=second, value=42.0)
    client = client_for(make_user("officers", la, second))
    first_page = client.get(reverse(PAGE))
    assert 'id="targets-la"' in first_page.text
    assert first_page.context["la"] == la  # the first by name, until another is chosen
    chosen = client.get(reverse(PAGE), {"la": second.pk})
    assert chosen.context["la"] == second
    assert "42.0%" in chosen.text


def test_page_without_an_authority_says_so(make_user) -> None:
    response = client_for(make_user("officers")).get(reverse(PAGE))
    assert response.status_code == 200
    assert "not linked to a local authority" in response.text


# --- The table of targets --------------------------------------------------------------------


def test_page_lists_every_indicator_with_which_way_is_better(make_user, la) -> None:
    text = page_text(client_for(make_user("officers", la)).get(reverse(PAGE)))
    for definition in INDICATORS:
        assert definition.name in text
    assert "Lower is better" in text and "Higher is better" in text
    assert "No target: shown for information only" in text
    assert "No target set" in text


def test_targets_shown_in_each_unit_as_councils_write_them(make_user, la) -> None:
    TargetFactory(la=la, indicator="moves_3plus", value=12.5, amber_margin=2)
    TargetFactory(la=la, indicator="cla_count", value=1234, amber_margin=20)
    TargetFactory(la=la, indicator="cla_rate", value=65, amber_margin=3)
    text = page_text(client_for(make_user("officers", la)).get(reverse(PAGE)))
    assert "12.5%" in text and "2.0 percentage points" in text
    assert "1,234" in text
    assert "65 per 10,000" in text and "3 per 10,000" in text
    assert "1 April 2025" in text


def test_target_history_says_which_is_in_force(make_user, la) -> None:
    today = timezone.localdate()
    TargetFactory(la=la, value=14, start_date=today - dt.timedelta(days=800))
    TargetFactory(la=la, value=12, start_date=today - dt.timedelta(days=30))
    TargetFactory(la=la, value=9, start_date=today + dt.timedelta(days=60))
    response = client_for(make_user("officers", la)).get(reverse(PAGE))
    row = next(r for r in response.context["rows"] if r.definition.key == "moves_3plus")
    assert row.in_force.value == "12.0%"
    assert [item.status for item in row.history] == ["Replaced", "In force", "Starts later"]
    assert "Starts later" in response.text


def test_target_history_names_who_set_it(make_user, la) -> None:
    TargetFactory(la=la, set_by=UserFactory(first_name="Priya", last_name="Shah"))
    assert "Priya Shah" in client_for(make_user("officers", la)).get(reverse(PAGE)).text


def test_add_form_offers_no_information_only_indicator(make_user, la) -> None:
    response = client_for(make_user("officers", la)).get(reverse(PAGE))
    offered = {key for key, _ in response.context["target_form"].fields["indicator"].choices}
    assert "moves_3plus" in offered and "long_term_stability" in offered
    assert not {d.key for d in INDICATORS if d.polarity == "info"} & offered


# --- Adding, changing and deleting targets ---------------------------------------------------


def test_target_added_with_who_set_it(make_user, la) -> None:
    officer = make_user("officers", la)
    client = client_for(officer)
    response = client.post(reverse("dashboard-target-add"), target_data(la))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(PAGE)}?la={la.pk}#history-moves_3plus"
    target = Target.objects.get()
    assert (target.la, target.indicator, target.value) == (la, "moves_3plus", 10.0)
    assert (target.start_date, target.amber_margin) == (dt.date(2025, 4, 1), 2.0)
    assert target.set_by == officer
    page = client.get(response["Location"])
    assert f"Target added: {MOVES}, 10.0% from 1 April 2025" in page_text(page)


def test_target_typed_with_commas_percent_and_uk_date_is_read(make_user, la) -> None:
    client = client_for(make_user("officers", la))
    client.post(
        reverse("dashboard-target-add"),
        target_data(la, indicator="cla_count", value="1,234", start_date="01/04/2025"),
    )
    client.post(
        reverse("dashboard-target-add"),
        target_data(la, value="12.5%", amber_margin=""),
    )
    assert Target.objects.get(indicator="cla_count").value == 1234
    percent = Target.objects.get(indicator="moves_3plus")
    assert (percent.value, percent.amber_margin) == (12.5, 0)


def test_target_with_duplicate_start_is_refused_with_message(make_user, la) -> None:
    TargetFactory(la=la, value=14)
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-add"), target_data(la)
    )
    assert response.status_code == 200
    assert response.context["target_form"].errors["start_date"] == [
        target_forms.DUPLICATE_START.format(name=MOVES, date="1 April 2025")
    ]
    assert "There is a problem" in response.text
    assert 'href="#id_target-start_date"' in response.text
    assert response.text.count("<title>Error: ") == 1
    assert Target.objects.get().value == 14


def test_same_start_for_another_indicator_or_authority_is_allowed(make_user, la, other_la) -> None:
    TargetFactory(la=other_la)
    TargetFactory(la=la, indicator="ifa_share")
    client = client_for(make_user("officers", la))
    assert client.post(reverse("dashboard-target-add"), target_data(la)).status_code == 302
    assert Target.objects.count() == 3


@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        ("moves_3plus", "100.1", PERCENT_OUT_OF_RANGE),
        ("moves_3plus", "-1", PERCENT_OUT_OF_RANGE),
        ("moves_3plus", "12.25", PERCENT_DECIMALS),
        ("cla_count", "-5", VALUE_NEGATIVE),
        ("cla_rate", "-1", VALUE_NEGATIVE),
        (
            "cla_count",
            "450.5",
            WHOLE_NUMBER.format(name=BY_KEY["cla_count"].name),
        ),
        ("moves_3plus", "ten", target_forms.VALUE_INVALID),
        ("moves_3plus", "nan", target_forms.VALUE_INVALID),
        ("moves_3plus", "", target_forms.VALUE_MISSING),
    ],
)
def test_target_value_out_of_range_is_refused(
    make_user, la, indicator: str, value: str, message: str
) -> None:
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-add"), target_data(la, indicator=indicator, value=value)
    )
    assert response.status_code == 200
    assert response.context["target_form"].errors["value"] == [message]
    assert not Target.objects.exists()


def test_percentage_of_100_and_count_of_0_are_allowed(make_user, la) -> None:
    client = client_for(make_user("officers", la))
    client.post(
        reverse("dashboard-target-add"), target_data(la, indicator="ifa_share", value="100")
    )
    client.post(reverse("dashboard-target-add"), target_data(la, indicator="cla_count", value="0"))
    assert Target.objects.count() == 2


@pytest.mark.parametrize(
    ("margin", "message"),
    [
        ("-1", MARGIN_NEGATIVE),
        ("101", MARGIN_OUT_OF_RANGE),
        ("0.25", MARGIN_DECIMALS),
    ],
)
def test_amber_margin_out_of_range_is_refused(make_user, la, margin: str, message: str) -> None:
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-add"), target_data(la, amber_margin=margin)
    )
    assert response.context["target_form"].errors["amber_margin"] == [message]
    assert not Target.objects.exists()


def test_target_for_information_only_indicator_is_refused(make_user, la) -> None:
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-add"), target_data(la, indicator="starters", value="20")
    )
    assert response.status_code == 200
    assert response.context["target_form"].errors["indicator"] == [
        INFO_HAS_NO_TARGET.format(name=BY_KEY["starters"].name)
    ]
    assert not Target.objects.exists()


def test_target_for_unknown_indicator_or_without_date_is_refused(make_user, la) -> None:
    client = client_for(make_user("officers", la))
    unknown = client.post(reverse("dashboard-target-add"), target_data(la, indicator="made_up"))
    assert unknown.context["target_form"].errors["indicator"] == [target_forms.INDICATOR_UNKNOWN]
    no_date = client.post(reverse("dashboard-target-add"), target_data(la, start_date=""))
    assert no_date.context["target_form"].errors["start_date"] == [target_forms.START_MISSING]
    bad_date = client.post(
        reverse("dashboard-target-add"), target_data(la, start_date="31/02/2025")
    )
    assert bad_date.context["target_form"].errors["start_date"] == [DATE_INVALID]
    assert not Target.objects.exists()


def test_target_changed_with_who_changed_it(make_user, la) -> None:
    target = TargetFactory(la=la)
    officer = make_user("officers", la)
    client = client_for(officer)
    page = client.get(reverse("dashboard-target-edit", args=[target.pk]))
    assert page.status_code == 200
    assert "10.0% from 1 April 2025" in page.text
    assert 'value="10"' in page.text  # read back without a needless ".0"
    response = client.post(reverse("dashboard-target-edit", args=[target.pk]), edit_data())
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.amber_margin, target.note) == (9.5, 1.5, "")
    assert target.set_by == officer


def test_target_changed_to_an_existing_start_is_refused(make_user, la) -> None:
    TargetFactory(la=la, start_date=dt.date(2026, 4, 1))
    target = TargetFactory(la=la)
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-edit", args=[target.pk]), edit_data(start_date="2026-04-01")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == [
        target_forms.DUPLICATE_START.format(name=MOVES, date="1 April 2026")
    ]
    assert "10.0% from 1 April 2025" in response.text  # the target as it still is
    target.refresh_from_db()
    assert target.start_date == dt.date(2025, 4, 1)


def test_target_changed_out_of_range_is_refused(make_user, la) -> None:
    target = TargetFactory(la=la)
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-target-edit", args=[target.pk]), edit_data(value="150")
    )
    assert response.context["form"].errors["value"] == [PERCENT_OUT_OF_RANGE]
    target.refresh_from_db()
    assert target.value == 10.0


def test_target_deleted_after_confirmation(make_user, la) -> None:
    target = TargetFactory(la=la)
    client = client_for(make_user("officers", la))
    confirm = client.get(reverse("dashboard-target-delete", args=[target.pk]))
    assert confirm.status_code == 200
    assert "Delete this target?" in confirm.text
    assert f"{MOVES}, 10.0% from 1 April 2025" in page_text(confirm)
    assert Target.objects.exists()  # asking is not deleting
    response = client.post(reverse("dashboard-target-delete", args=[target.pk]))
    assert response.status_code == 302
    assert not Target.objects.exists()
    assert "Target deleted" in client.get(response["Location"]).text


def test_target_writes_need_the_csrf_token(make_user, la) -> None:
    target = TargetFactory(la=la)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("officers", la))
    assert client.post(reverse("dashboard-target-delete", args=[target.pk])).status_code == 403
    assert client.post(reverse("dashboard-target-add"), target_data(la)).status_code == 403
    assert Target.objects.count() == 1


# --- Commentary ------------------------------------------------------------------------------


def test_commentary_month_defaults_to_the_latest(make_user, la) -> None:
    computed(la, FEBRUARY, MARCH)
    response = client_for(make_user("officers", la)).get(reverse(PAGE))
    section = response.context["commentary"]
    assert section.period == MARCH
    assert section.months == [MARCH, FEBRUARY]
    assert section.indicator is None
    assert set(section.form.fields) >= {d.key for d in INDICATORS}
    assert target_forms.COMMENTARY_WARNING in response.text


def test_commentary_without_computed_months_says_so(make_user, la) -> None:
    text = page_text(client_for(make_user("officers", la)).get(reverse(PAGE)))
    assert "there is no month to comment on" in text


def test_commentary_saved_with_author(make_user, la) -> None:
    computed(la, MARCH)
    officer = make_user("officers", la)
    client = client_for(officer)
    response = save_commentary(client, la, MARCH, moves_3plus="Two sibling groups moved.")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(PAGE)}?la={la.pk}&period=2025-03-31#commentary"
    saved = Commentary.objects.get()
    assert (saved.la, saved.indicator, saved.period_end) == (la, "moves_3plus", MARCH)
    assert (saved.text, saved.author) == ("Two sibling groups moved.", officer)
    page = client.get(response["Location"])
    assert "Commentary for 31 March 2025 saved: 1 added." in page.text
    assert "Two sibling groups moved." in page.text


def test_commentary_changed_and_removed(make_user, la) -> None:
    computed(la, MARCH)
    CommentaryFactory(la=la, indicator="moves_3plus", text="Old words.")
    CommentaryFactory(la=la, indicator="ifa_share", text="To be removed.")
    officer = make_user("officers", la)
    response = save_commentary(
        client_for(officer), la, MARCH, moves_3plus="New words.", ifa_share="   "
    )
    assert response.status_code == 302
    changed = Commentary.objects.get()
    assert (changed.indicator, changed.text, changed.author) == (
        "moves_3plus",
        "New words.",
        officer,
    )


def test_commentary_untouched_is_not_rewritten(make_user, la) -> None:
    computed(la, MARCH)
    colleague = UserFactory()
    CommentaryFactory(la=la, indicator="ifa_share", text="Line one\nline two", author=colleague)
    client = client_for(make_user("officers", la))
    page = client.get(reverse(PAGE), {"la": la.pk})
    data: dict[str, object] = {"la": la.pk, "period": "2025-03-31", "indicator": ""}
    for name, field in page.context["commentary"].form.fields.items():
        # A browser sends line breaks as CRLF: the same words, not a change.
        data[f"commentary-{name}"] = field.initial.replace("\n", "\r\n")
    # Meanwhile a colleague writes on another indicator; this stale page must not undo it.
    CommentaryFactory(la=la, indicator="cla_count", text="Written meanwhile.", author=colleague)
    data["commentary-moves_3plus"] = "Mine."
    response = client.post(reverse("dashboard-commentary-save"), data)
    assert response.status_code == 302
    assert Commentary.objects.get(indicator="cla_count").text == "Written meanwhile."
    untouched = Commentary.objects.get(indicator="ifa_share")
    assert (untouched.text, untouched.author) == ("Line one\nline two", colleague)
    assert Commentary.objects.get(indicator="moves_3plus").text == "Mine."


def test_commentary_too_long_is_refused(make_user, la) -> None:
    computed(la, MARCH)
    client = client_for(make_user("officers", la))
    response = save_commentary(client, la, MARCH, moves_3plus="x" * 2001, ifa_share="Fine.")
    assert response.status_code == 200
    assert response.context["commentary"].form.errors["moves_3plus"] == [
        target_forms.COMMENTARY_TOO_LONG.format(name=MOVES, count="2,001")
    ]
    assert 'href="#id_commentary-moves_3plus"' in response.text
    assert not Commentary.objects.exists()  # nothing saved, not even the valid one
    assert save_commentary(client, la, MARCH, moves_3plus="x" * 2000).status_code == 302


def test_commentary_for_a_month_without_values_is_not_saved(make_user, la) -> None:
    computed(la, MARCH)
    response = client_for(make_user("officers", la)).post(
        reverse("dashboard-commentary-save"),
        {"la": la.pk, "period": "2025-01-31", "commentary-cla_count": "Words"},
    )
    assert response.status_code == 404
    assert not Commentary.objects.exists()


def test_commentary_of_another_month_is_kept_apart(make_user, la) -> None:
    computed(la, FEBRUARY, MARCH)
    CommentaryFactory(la=la, period_end=FEBRUARY, text="February's words.")
    client = client_for(make_user("officers", la))
    assert "February&#x27;s words." not in client.get(reverse(PAGE)).text
    february = client.get(reverse(PAGE), {"la": la.pk, "period": "2025-02-28"})
    assert "February&#x27;s words." in february.text


def test_commentary_deep_link_preselects_month_and_indicator(make_user, la) -> None:
    computed(la, FEBRUARY, MARCH, moves_3plus=11.2)
    TargetFactory(la=la, start_date=dt.date(2024, 4, 1), value=10, amber_margin=2)
    client = client_for(make_user("officers", la))
    response = client.get(
        reverse(PAGE), {"la": la.pk, "indicator": "moves_3plus", "period": "2025-02-28"}
    )
    section = response.context["commentary"]
    assert section.period == FEBRUARY
    assert section.indicator == BY_KEY["moves_3plus"]
    assert list(section.form.visible_fields()) == [section.form["moves_3plus"]]
    assert '<option value="2025-02-28" selected>' in response.text
    assert '<option value="moves_3plus" selected>' in response.text
    assert "Value at 28 February 2025: 11.2%. Target 10.0% or lower, close to target." in (
        response.text
    )
    saved = save_commentary(client, la, FEBRUARY, "moves_3plus", moves_3plus="Words.")
    assert saved["Location"] == (
        f"{reverse(PAGE)}?la={la.pk}&period=2025-02-28&indicator=moves_3plus#commentary"
    )
    assert Commentary.objects.get().period_end == FEBRUARY


def test_commentary_link_to_a_month_without_values_shows_the_latest(make_user, la) -> None:
    computed(la, MARCH)
    response = client_for(make_user("officers", la)).get(
        reverse(PAGE), {"la": la.pk, "period": "2024-12-31", "indicator": "made_up"}
    )
    assert response.status_code == 200
    assert response.context["commentary"].period == MARCH
    assert response.context["commentary"].indicator is None
    assert MONTH_NOT_AVAILABLE.format(latest="31 March 2025") in response.text


# --- The page as a whole ---------------------------------------------------------------------


def test_page_has_no_inline_script_or_event_handler(make_user, la) -> None:
    computed(la, MARCH)
    TargetFactory(la=la)
    page = client_for(make_user("officers", la)).get(reverse(PAGE)).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\son[a-z]+\s*=", page)


def test_page_fields_are_labelled_and_tables_captioned(make_user, la) -> None:
    computed(la, MARCH)
    TargetFactory(la=la)
    page = client_for(make_user("officers", la)).get(reverse(PAGE)).text
    fields = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page
    )
    assert len(fields) > len(INDICATORS)
    for field_id in fields:
        assert f'for="{field_id}"' in page, field_id
    assert page.count("<table") == page.count("<caption")
    headings = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False))


def test_page_queries_do_not_grow_with_targets_or_commentary(make_user, la) -> None:
    computed(la, FEBRUARY, MARCH)
    client = client_for(make_user("officers", la))
    TargetFactory(la=la)
    client.get(reverse(PAGE))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(PAGE))
    for key in ("cla_count", "cla_rate", "ifa_share", "residential_count"):
        TargetFactory(la=la, indicator=key, start_date=dt.date(2024, 4, 1))
        TargetFactory(la=la, indicator=key)
        CommentaryFactory(la=la, indicator=key)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse(PAGE))
    assert len(many) == len(few)
