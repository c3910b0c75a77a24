"""What the pages show in the browser tests: one authority with a loaded extract and its
indicators, a target, a rejected upload with problems, and a user in each role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import factory
from django.contrib.auth.models import AbstractBaseUser
from factory.django import DjangoModelFactory

from dashboard import access
from placements.models import LocalAuthority, Upload, UploadFile, UploadProblem
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract
from sufficiency.models import Target
from sufficiency.services import recompute_indicators
from tests.conftest import UserFactory
from tests.extracts import child, episode, extract_files

PASSWORD = "correct horse battery staple"  # UserFactory's; a wrong one would trip django-axes
ROLES = [access.OFFICERS, access.COMMITTEE, access.DATA_STAFF, access.ADMIN]
AS_AT = dt.date(2026, 10, 31)  # the loaded extract's; the month the pages show


class UploadFactory(DjangoModelFactory):
    class Meta:
        model = Upload

    la = factory.SubFactory("tests.conftest.LocalAuthorityFactory")
    uploaded_by = factory.SubFactory(UserFactory)
    as_at = dt.date(2025, 10, 31)
    window_start = dt.date(2025, 4, 1)
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")


@dataclass
class Site:
    la: LocalAuthority
    upload: Upload  # rejected, with an error and a warning: the problems table and its CSV
    target: Target
    make_user: Callable[..., AbstractBaseUser]
    users: dict[str, AbstractBaseUser] = field(default_factory=dict)

    def user(self, role: str) -> AbstractBaseUser:
        """The authority's user in that role, made on first use."""
        if role not in self.users:
            self.users[role] = self.make_user(role, self.la, username=f"{role}-user")
        return self.users[role]

    def url_ids(self) -> dict[str, object]:
        """Values for the pages' URL parameters, by name: a new kind of parameter goes here."""
        return {"upload_id": self.upload.pk, "target_id": self.target.pk}


def build_site(la: LocalAuthority, make_user: Callable[..., AbstractBaseUser]) -> Site:
    load_history(la)
    target = Target.objects.create(
        la=la, indicator="residential_count", value=5, amber_margin=2, start_date=AS_AT
    )
    return Site(la=la, upload=rejected_upload(la, make_user), target=target, make_user=make_user)


def load_history(la: LocalAuthority) -> None:
    """Three children in care, loaded the way an upload loads them, and every indicator."""
    la.districts = ["E09000028"]  # Southwark, where tests.extracts' home postcodes are
    la.save()
    files = extract_files(
        [child("KID-001"), child("KID-002", DOB="01/02/2010"), child("KID-003")],
        [
            episode("KID-001", "01/05/2026"),
            episode("KID-002", "01/06/2026", PLACE="K2", PLACE_PROVIDER="PR4"),
            episode("KID-003", "15/07/2026", PL_POST="ME14 1XQ"),
        ],
    )
    upload = import_extract(
        la=la,
        user=None,
        as_at=AS_AT,
        window_start=dt.date(2026, 4, 1),
        files=[RawFile(name, content) for name, content in files],
    )
    assert upload.status == Upload.Status.LOADED, upload.failure
    # The task that follows an upload runs on commit; run it here, in order.
    recompute_indicators(la_id=la.pk, trigger="command")


def rejected_upload(la: LocalAuthority, make_user: Callable[..., AbstractBaseUser]) -> Upload:
    upload = UploadFactory(
        la=la,
        uploaded_by=make_user(access.DATA_STAFF, la, username="uploader"),
        status=Upload.Status.REJECTED,
        stage=Upload.Stage.DONE,
        progress=100,
        finished_at=dt.datetime(2025, 11, 3, 9, 30, tzinfo=dt.UTC),
        children_count=2,
        rows_count=3,
        errors_count=1,
        warnings_count=1,
    )
    UploadFile.keep(
        upload=upload, name="episodes.csv", content=b"CHILD\r\n", sha256="ab" * 32
    ).save()
    problem = {"upload": upload, "file": "episodes.csv"}
    UploadProblem.objects.bulk_create(
        [
            UploadProblem(
                **problem,
                severity=UploadProblem.Severity.ERROR,
                row=2,
                child_id="C1",
                column="DECOM",
                value="31/02/2025",
                message="DECOM is not a date.",
            ),
            UploadProblem(
                **problem,
                severity=UploadProblem.Severity.WARNING,
                row=3,
                child_id="C2",
                column="PL_POST",
                value="ZZ1 1ZZ",
                message="PL_POST is not a known postcode.",
            ),
        ]
    )
    return upload
