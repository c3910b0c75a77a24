"""What the pages show in the browser tests: one authority with a loaded extract and its
indicators, a target, a rejected upload with problems, and a user in each role."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser

from dashboard import access
from placements.models import LocalAuthority, Upload, UploadFile, UploadProblem
from sufficiency.models import Target
from tests.helpers import UploadFactory, load_three_children

PASSWORD = "correct horse battery staple"  # UserFactory's; a wrong one would trip django-axes
ROLES = [access.OFFICERS, access.COMMITTEE, access.DATA_STAFF, access.ADMIN]
AS_AT = dt.date(2026, 10, 31)  # the loaded extract's; the month the pages show


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
    load_three_children(la)
    target = Target.objects.create(
        la=la, indicator="residential_count", value=5, amber_margin=2, start_date=AS_AT
    )
    return Site(la=la, upload=rejected_upload(la, make_user), target=target, make_user=make_user)


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
        upload=upload, name="episodes.csv", stream=io.BytesIO(b"CHILD\r\n"), sha256="ab" * 32
    )
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
