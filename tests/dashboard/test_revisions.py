"""An issued committee report keeps its figures; a later change is shown as a revision.

The case: six children are looked after at 31 March 2024 in an authority of 10,000 children, a
rate of 6 per 10,000. The report is issued. A later extract for the same window holds five of
them: the rate becomes 5, and the March report says "revised: was 6 per 10,000, now 5 per
10,000"; the officers' revisions log lists it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from placements.models import LocalAuthority, Population
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract
from sufficiency.models import IssuedReport
from tests.extracts import child, episode, extract_files
from tests.helpers import client_for, page_words, run_import_903, spaced_page_text

pytestmark = pytest.mark.django_db

CHILDREN = [f"C{number}" for number in range(1, 7)]


def _extract(children: list[str]) -> list[tuple[str, bytes]]:
    return extract_files(
        [child(name) for name in children], [episode(name, "10/05/2023") for name in children]
    )


@pytest.fixture
def la(db: None) -> LocalAuthority:
    la = LocalAuthority.objects.create(code="992", name="Revisby", districts=["E09000028"])
    Population.objects.create(la=la, year=2023, count=10_000)
    return la


def _load(tmp_path, la, files, capture) -> None:
    with capture(execute=True):
        run_import_903(tmp_path, la, files, "--as-at", "2024-03-31")


def _report(client, la) -> str:
    return page_words(client.get(reverse("dashboard-committee"), {"la": la.pk}))


def test_a_revised_figure_says_what_the_committee_read(
    la, tmp_path, django_capture_on_commit_callbacks, make_user
):
    _load(tmp_path, la, _extract(CHILDREN), django_capture_on_commit_callbacks)
    officer = client_for(make_user("officers", la))
    councillor = client_for(make_user("committee", la))
    assert "Mark as issued to the committee" in _report(officer, la)
    issued = officer.post(
        f"{reverse('dashboard-committee-issue')}?la={la.pk}", {"period": "2024-03-31"}
    )
    assert issued.status_code == 302
    report = IssuedReport.objects.get(la=la)
    assert report.how == "marked"
    assert report.figures.get(indicator="cla_rate").text == "6 per 10,000"
    assert "Issued to the committee on" in _report(councillor, la)
    assert "(revised: was" not in _report(councillor, la)

    _load(tmp_path, la, _extract(CHILDREN[:5]), django_capture_on_commit_callbacks)
    assert "(revised: was 6 per 10,000, now 5 per 10,000)" in _report(councillor, la)
    log = spaced_page_text(officer.get(reverse("dashboard-committee"), {"la": la.pk}))
    assert "Revisions to issued reports" in log
    assert "31 March 2024 Rate per 10,000 children 6 per 10,000 5 per 10,000" in log
    # The log is for officers; the committee sees the revision on the report itself.
    assert "Revisions to issued reports" not in _report(councillor, la)


def test_a_committee_member_downloading_the_pdf_issues_the_report_once(
    la, tmp_path, django_capture_on_commit_callbacks, make_user
):
    _load(tmp_path, la, _extract(CHILDREN), django_capture_on_commit_callbacks)
    councillor = client_for(make_user("committee", la))
    pdf = reverse("dashboard-committee-pdf")
    assert councillor.get(pdf, {"la": la.pk}).status_code == 200
    first = IssuedReport.objects.get(la=la)
    assert first.how == "pdf"
    assert councillor.get(pdf, {"la": la.pk}).status_code == 200
    assert IssuedReport.objects.get(la=la).issued_at == first.issued_at
    # An officer's unsuppressed PDF is not what the committee read: it issues nothing.
    IssuedReport.objects.all().delete()
    officer = client_for(make_user("officers", la))
    assert officer.get(pdf, {"la": la.pk}).status_code == 200
    assert not IssuedReport.objects.exists()


def test_only_officers_mark_a_report_issued(
    la, tmp_path, django_capture_on_commit_callbacks, make_user
):
    _load(tmp_path, la, _extract(CHILDREN), django_capture_on_commit_callbacks)
    councillor = client_for(make_user("committee", la))
    refused = councillor.post(
        f"{reverse('dashboard-committee-issue')}?la={la.pk}", {"period": "2024-03-31"}
    )
    assert refused.status_code == 403
    assert not IssuedReport.objects.exists()


def test_every_page_says_which_extract_its_figures_rest_on(
    la, django_capture_on_commit_callbacks, make_user
):
    staff = make_user("data_staff", la, first_name="Dana", last_name="Loader")
    files = _extract(CHILDREN)
    with django_capture_on_commit_callbacks(execute=True):
        import_extract(
            la=la,
            user=staff,
            as_at=dt.date(2024, 3, 31),
            window_start=None,
            files=[RawFile(name, content) for name, content in files],
        )
    officer = client_for(make_user("officers", la))
    for name in ("dashboard-index", "dashboard-committee", "dashboard-fostering"):
        text = page_words(officer.get(reverse(name), {"la": la.pk}))
        assert "Revisby: data as at 31 March 2024, loaded " in text
        assert " by Dana Loader." in text


def test_where_children_live_and_its_total_are_revised_too(
    la, tmp_path, django_capture_on_commit_callbacks, make_user
):
    _load(tmp_path, la, _extract(CHILDREN), django_capture_on_commit_callbacks)
    officer = client_for(make_user("officers", la))
    officer.post(f"{reverse('dashboard-committee-issue')}?la={la.pk}", {"period": "2024-03-31"})
    kept = dict(IssuedReport.objects.get(la=la).figures.values_list("indicator", "value"))
    assert kept["where:cla_count"] == 6

    _load(tmp_path, la, _extract(CHILDREN[:5]), django_capture_on_commit_callbacks)
    councillor = client_for(make_user("committee", la))
    report = _report(councillor, la)
    # The six were all in in-house fostering: that row and the total both say so.
    assert report.count("(revised: was 6, now 5)") == 2
    log = spaced_page_text(officer.get(reverse("dashboard-committee"), {"la": la.pk}))
    assert "31 March 2024 Where children live: All children looked after 6 5" in log
    assert "31 March 2024 Where children live: In-house fostering 6 5" in log
