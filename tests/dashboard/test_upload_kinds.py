"""The upload pages with the three kinds of upload: SSDA903, foster carers, placement costs."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dashboard import forms
from placements.models import CarerHousehold, PlacementCost, Upload, UploadProblem
from tests.extracts import child, episode, extract_files
from tests.helpers import UploadFactory, client_for, page_words, press_load_it
from tests.placements.carer_extracts import carers_csv, cost, costs_csv, household

pytestmark = pytest.mark.django_db


def post(client: Client, kind: str | None, files: list[tuple[str, bytes]], **fields: str):
    data: dict[str, object] = {
        "as_at": "2025-10-31",
        "window_start": "",
        "files": [SimpleUploadedFile(name, content) for name, content in files],
        **fields,
    }
    if kind is not None:
        data["kind"] = kind
    return client.post(reverse("dashboard-upload-new"), data)


def test_form_asks_what_is_being_uploaded_with_the_903_extract_chosen(make_user, la):
    response = client_for(make_user("data_staff", la)).get(reverse("dashboard-upload-new"))
    text = page_words(response)
    assert "What are you uploading?" in text
    for label in ("SSDA903 extract", "Foster carers extract", "Placement costs extract"):
        assert label in text
    assert 'type="radio" name="kind" value="ssda903"' in response.text
    checked = [line for line in response.text.splitlines() if "checked" in line and "kind" in line]
    assert len(checked) == 1 and 'value="ssda903"' in checked[0]
    assert forms.WINDOW_ONLY_FOR_903 in text


def test_form_without_a_kind_uploads_a_903_extract(make_user, la):
    post(client_for(make_user("data_staff", la)), None, [("episodes.csv", b"x")])
    assert Upload.objects.get().kind == Upload.Kind.SSDA903


def test_form_with_an_unknown_kind_is_refused(make_user, la):
    response = post(client_for(make_user("data_staff", la)), "children", [("a.csv", b"x")])
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [forms.KIND_MISSING]
    assert not Upload.objects.exists()


@pytest.mark.parametrize("kind", ["carers", "costs"])
def test_form_ignores_the_window_for_carers_and_costs(make_user, la, kind):
    # A window start after the as-at date and full history together would both be refused
    # for a 903 extract; for these kinds the window means nothing and is left out.
    response = post(
        client_for(make_user("data_staff", la)), kind, [("a.csv", b"x")],
        window_start="2026-01-01", full_history="on",
    )  # fmt: skip
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert (upload.kind, upload.window_start) == (kind, None)


def test_carers_extract_through_the_form_loads_and_says_so(
    make_user, la, django_capture_on_commit_callbacks
):
    content = carers_csv(
        [household("FC1"), household("FC2"),
         household("FC3", DEREGISTRATION_DATE="01/01/2024", DEREGISTRATION_REASON="Retired")]
    )  # fmt: skip
    client = client_for(make_user("data_staff", la))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "carers", [("carers.csv", content)])
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert CarerHousehold.objects.filter(la=la).count() == 3
    detail = client.get(response["Location"])
    assert (
        "Loaded 3 carer households (1 deregistered; 3 new, 0 changed, 0 no longer listed) "
        "with no warnings." in page_words(detail)
    )
    assert "<dt>Extract</dt><dd>Foster carers extract</dd>" in detail.text
    assert "<dt>Window</dt>" not in detail.text


def test_costs_extract_through_the_form_loads_and_says_so(
    make_user, la, django_capture_on_commit_callbacks
):
    content = costs_csv([cost("A1", "10/01/2024", "512.40"), cost("B2", "15/02/2024", "4850")])
    client = client_for(make_user("data_staff", la))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "costs", [("costs.csv", content)])
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert PlacementCost.objects.filter(la=la).count() == 2
    detail = client.get(response["Location"])
    # No 903 extract is stored yet, so neither cost has its episode: both warned about.
    assert (
        "Loaded 2 placement costs for 2 children (2 new, 0 changed) with 2 warnings."
        in page_words(detail)
    )
    assert "<dt>Extract</dt><dd>Placement costs extract</dd>" in detail.text


def test_903_extract_through_the_form_loads_once_confirmed(
    make_user, la, django_capture_on_commit_callbacks
):
    raw = extract_files([child("A1")], [episode("A1", "01/09/2025")])
    client = client_for(make_user("data_staff", la))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "ssda903", raw)
    checked = client.get(response["Location"])
    detail = press_load_it(client, checked, django_capture_on_commit_callbacks)
    assert "Loaded 1 child and 1 episode" in page_words(detail)
    assert "<dt>Extract</dt><dd>SSDA903 extract</dd>" in detail.text
    assert "<dt>Window</dt><dd>1 April 2025 to 31 October 2025</dd>" in detail.text


def test_carers_extract_with_errors_is_rejected_and_changes_nothing(
    make_user, la, django_capture_on_commit_callbacks
):
    client = client_for(make_user("data_staff", la))
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "carers", [("a.csv", carers_csv([household("FC1")]))])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, "carers", [("b.csv", carers_csv([household("FC2", CARER_TYPE="NANNY")]))]
        )
    upload = Upload.objects.latest("id")
    assert upload.status == Upload.Status.REJECTED
    assert list(CarerHousehold.objects.filter(la=la).values_list("carer_id", flat=True)) == ["FC1"]
    page = client.get(response["Location"])
    text = page_words(page)
    assert (
        "Rejected: 1 error. Nothing was changed; the stored carer households are as they were."
        in text
    )
    assert "NANNY is not a CARER_TYPE" in text
    # The household is named under its own heading, not as a CHILD.
    assert '<th scope="col"' in page.text and ">CARER_ID<" in page.text
    assert ">CHILD<" not in page.text


def test_same_files_as_another_kind_are_not_a_duplicate(make_user, la):
    client = client_for(make_user("data_staff", la))
    files = [("a.csv", b"CHILD,DECOM,WEEKLY_COST\r\n")]
    post(client, "costs", files)
    post(client, "carers", files)
    Upload.objects.update(status=Upload.Status.LOADED)
    post(client, "costs", files)
    assert list(Upload.objects.order_by("pk").values_list("kind", "status")) == [
        ("costs", "loaded"), ("carers", "loaded"), ("costs", "duplicate"),
    ]  # fmt: skip


def test_history_says_which_kind_each_upload_is(make_user, la):
    UploadFactory(la=la, status=Upload.Status.LOADED, children_count=12, rows_count=34)
    UploadFactory(la=la, kind="carers", window_start=None, status=Upload.Status.LOADED,
                  rows_count=42, deregistered_count=3)  # fmt: skip
    UploadFactory(la=la, kind="costs", window_start=None, status=Upload.Status.LOADED,
                  rows_count=1234, children_count=400)  # fmt: skip
    text = page_words(client_for(make_user("officers", la)).get(reverse("dashboard-uploads")))
    assert "SSDA903 extract 1 April 2025 to 31 October 2025 Loaded 12 children, 34 episodes" in text
    assert "Foster carers extract as at 31 October 2025 Loaded 42 households" in text
    assert "Placement costs extract as at 31 October 2025 Loaded 1,234 costs" in text


def test_history_says_what_carers_and_costs_are_stored(make_user, la):
    upload = UploadFactory(la=la, kind="carers", window_start=None, status="loaded", applied_seq=1)
    CarerHousehold.objects.create(
        la=la, carer_id="FC1", carer_type="MAINSTREAM", provision="IN_HOUSE",
        approval_date="2020-01-01", approved_places=2, source_upload=upload,
    )  # fmt: skip
    PlacementCost.objects.create(la=la, child_id="A1", decom="2024-01-10", weekly_cost=500)
    text = page_words(client_for(make_user("officers", la)).get(reverse("dashboard-uploads")))
    # The children's history is still "nothing loaded": a carers extract is not a 903 one.
    assert "Stored now: 0 children and 0 episodes; nothing loaded yet." in text
    assert (
        "Foster carer households: 1, from the foster carers extract as at 31 October 2025." in text
    )
    assert "Placement costs: 1." in text


def test_problems_csv_of_a_carers_upload_names_the_carer_id_column(make_user, la):
    upload = UploadFactory(la=la, kind="carers", status=Upload.Status.REJECTED, errors_count=1)
    UploadProblem.objects.create(
        upload=upload, severity="error", file="a.csv", row=2, child_id="FC1", message="Bad."
    )
    response = client_for(make_user("officers", la)).get(
        reverse("dashboard-upload-problems-csv", args=[upload.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["severity", "file", "row", "carer_id", "column", "value", "message"]
    assert rows[1][3] == "FC1"
