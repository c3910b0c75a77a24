"""What a validated 903 extract would do if it were loaded, worked out without writing
anything (docs/uploads.md#previewing-an-upload): the episodes the stitch adds, changes and
removes, children looked after and each promise's indicator before and after, and which month
ends already reported would change.

The stitch and the comparison are placements' own (`stitch_onto_stored`, `diff_episodes`), and
the figures after come from the same engine as the recompute (`indicator_values`), on the
stitched history held in memory.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser

from placements import postcodes
from placements.checks import MSG_CHECKS_NOT_CONFIRMED, ExtractCheck, extract_checks
from placements.models import LocalAuthority, Population, Upload
from placements.ssda903.problems import Problem
from placements.ssda903.readers import RawFile
from placements.ssda903.stitch import diff_episodes
from placements.ssda903.validate import Extract
from placements.stored import episodes_frame, stored_costs_frame, stored_households_frame
from placements.uploads import (
    MSG_HISTORY_CHANGED,
    HistoryChanged,
    StitchedHistory,
    complete_from,
    current_history_token,
    in_row_order,
    load_confirmed,
    read_and_validate,
    stitch_onto_stored,
    validate_903_files,
)
from sufficiency.models import IndicatorValue, IssuedReport, same_value
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION, PROMISES
from sufficiency.services import (
    IndicatorInputs,
    format_value,
    indicator_values,
    last_month_end,
)

# Removing more than this share of the stored episodes in the upload's window is a large
# change, which needs a reason before it loads.
LARGE_REMOVAL_SHARE = 0.10


def preview_indicators() -> list[str]:
    """The indicators a preview compares: children looked after, then each promise's."""
    keys = ["cla_count"]
    keys += [p.indicator for p in PROMISES if p.indicator not in keys]
    return keys


@dataclass
class FigureChange:
    """One indicator at one month end, as stored and as it would be."""

    indicator: str
    period_end: dt.date
    before: float | None
    after: float | None

    @property
    def before_text(self) -> str:
        return format_value(self.indicator, self.before) or "none"

    @property
    def after_text(self) -> str:
        return format_value(self.indicator, self.after) or "none"

    @property
    def name(self) -> str:
        return BY_KEY[self.indicator].name


@dataclass
class UploadPreview:
    """What loading an extract would change. `history_token` identifies the stored history it
    was worked out on (placements.uploads.history_token)."""

    episodes_added: int
    episodes_changed: int
    episodes_removed: int
    # The stored episodes inside the upload's window (all of them for a full history).
    episodes_in_window: int
    latest_month: dt.date | None
    latest_march: dt.date | None
    figures: list[FigureChange] = field(default_factory=list)
    months_changed: list[dt.date] = field(default_factory=list)
    history_token: str = ""
    # Of `months_changed`, those whose committee report has been issued (sufficiency.revisions).
    issued_months_changed: list[dt.date] = field(default_factory=list)
    # The checks against careless uploads (placements.checks), warned or not.
    checks: list[ExtractCheck] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """The checks' sentences, one per check that warns: each must be confirmed checked."""
        return [check.warning for check in self.checks if check.warns]

    @property
    def removes_many(self) -> bool:
        if not self.episodes_in_window:
            return False
        return self.episodes_removed > LARGE_REMOVAL_SHARE * self.episodes_in_window

    @property
    def changes_earlier_months(self) -> bool:
        """Whether a month end before the latest, already reported, would change."""
        return any(
            self.latest_month is None or day < self.latest_month for day in self.months_changed
        )

    @property
    def is_large(self) -> bool:
        """A large change needs a reason typed in before it loads."""
        return self.removes_many or self.changes_earlier_months or bool(self.warnings)

    def figure(self, indicator: str, period_end: dt.date | None) -> FigureChange | None:
        return next(
            (f for f in self.figures if f.indicator == indicator and f.period_end == period_end),
            None,
        )

    def lines(self) -> list[tuple[str, str]]:
        """The preview as (name, value) pairs, as `import_903 --dry-run` prints them."""
        lines = [
            ("episodes_added", str(self.episodes_added)),
            ("episodes_changed", str(self.episodes_changed)),
            ("episodes_removed", str(self.episodes_removed)),
        ]
        for key in preview_indicators():
            figure = self.figure(key, self.latest_month)
            lines.append((f"{key}_before", figure.before_text if figure else "none"))
            lines.append((f"{key}_after", figure.after_text if figure else "none"))
        for key in preview_indicators():
            figure = self.figure(key, self.latest_march)
            lines.append((f"{key}_31_march_before", figure.before_text if figure else "none"))
            lines.append((f"{key}_31_march_after", figure.after_text if figure else "none"))
        lines += [
            ("latest_month", _iso(self.latest_month)),
            ("latest_31_march", _iso(self.latest_march)),
            ("months_changed", ",".join(d.isoformat() for d in self.months_changed) or "none"),
            (
                "issued_months_changed",
                ",".join(d.isoformat() for d in self.issued_months_changed) or "none",
            ),
            ("large_change", "yes" if self.is_large else "no"),
        ]
        for check in self.checks:
            lines.append((check.name, check.value))
            lines.append((f"check_{check.name}", "warning" if check.warns else "ok"))
        return lines

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["latest_month"] = _iso(self.latest_month, "")
        data["latest_march"] = _iso(self.latest_march, "")
        data["months_changed"] = [d.isoformat() for d in self.months_changed]
        data["issued_months_changed"] = [d.isoformat() for d in self.issued_months_changed]
        data["figures"] = [
            {**asdict(f), "period_end": f.period_end.isoformat()} for f in self.figures
        ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> UploadPreview:
        figures = [
            FigureChange(
                indicator=f["indicator"],
                period_end=dt.date.fromisoformat(f["period_end"]),
                before=f["before"],
                after=f["after"],
            )
            for f in data["figures"]  # type: ignore[attr-defined]
        ]
        return cls(
            episodes_added=int(data["episodes_added"]),  # type: ignore[call-overload]
            episodes_changed=int(data["episodes_changed"]),  # type: ignore[call-overload]
            episodes_removed=int(data["episodes_removed"]),  # type: ignore[call-overload]
            episodes_in_window=int(data["episodes_in_window"]),  # type: ignore[call-overload]
            latest_month=_date(data["latest_month"]),
            latest_march=_date(data["latest_march"]),
            figures=figures,
            months_changed=[dt.date.fromisoformat(d) for d in data["months_changed"]],  # type: ignore[attr-defined]
            history_token=str(data["history_token"]),
            issued_months_changed=[
                dt.date.fromisoformat(d)
                for d in data.get("issued_months_changed", [])  # type: ignore[attr-defined]
            ],
            checks=[ExtractCheck(**c) for c in data.get("checks", [])],  # type: ignore[attr-defined]
        )


def _iso(day: dt.date | None, blank: str = "none") -> str:
    return day.isoformat() if day is not None else blank


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def preview_extract(
    *,
    la: LocalAuthority,
    extract: Extract,
    as_at: dt.date,
    window_start: dt.date | None,
) -> UploadPreview:
    """What loading `extract` (validated, without errors) would change, writing nothing."""
    return _preview(la=la, extract=extract, as_at=as_at, window_start=window_start)[0]


def _preview(
    *, la: LocalAuthority, extract: Extract, as_at: dt.date, window_start: dt.date | None
) -> tuple[UploadPreview, list[Problem]]:
    """The preview, and the chain repairs the stitch would report."""
    stitched = stitch_onto_stored(la_id=la.pk, extract=extract, window_start=window_start)
    diff = diff_episodes(stitched.stored_episodes, stitched.episodes)
    stored = stitched.stored_episodes
    in_window = (
        len(stored)
        if window_start is None
        else int((stored["decom"] >= pd.Timestamp(window_start)).sum())
    )
    inputs = _inputs_after(
        la=la, stitched=stitched, extract=extract, as_at=as_at, window_start=window_start,
        insert=diff.insert, delete_ids=diff.delete_ids,
    )  # fmt: skip
    keys = preview_indicators()
    after = _after_values(inputs, keys)
    before = _stored_values(la, keys)
    latest = max(after, default=None, key=lambda k: k[1])
    latest_month = latest[1] if latest else None
    marches = [day for _, day in after if day.month == 3 and day.day == 31]
    latest_march = max(marches, default=None)
    figures = [
        FigureChange(key, day, before.get((key, day)), after.get((key, day)))
        for day in (latest_month, latest_march)
        if day is not None
        for key in keys
    ]
    reported = sorted({day for _, day in before})
    months_changed = [
        day
        for day in reported
        if any(not same_value(before.get((k, day)), after.get((k, day))) for k in keys)
    ]
    preview = UploadPreview(
        episodes_added=diff.added,
        episodes_changed=diff.updated,
        episodes_removed=diff.removed,
        episodes_in_window=in_window,
        latest_month=latest_month,
        latest_march=latest_march,
        figures=figures,
        months_changed=months_changed,
        history_token=stitched.token,
        issued_months_changed=sorted(
            set(months_changed)
            & set(IssuedReport.objects.filter(la=la).values_list("period_end", flat=True))
        ),
        checks=extract_checks(extract, la=la, as_at=as_at),
    )
    return preview, stitched.repairs


def _inputs_after(
    *,
    la: LocalAuthority,
    stitched: StitchedHistory,
    extract: Extract,
    as_at: dt.date,
    window_start: dt.date | None,
    insert: pd.DataFrame,
    delete_ids: list[int],
) -> IndicatorInputs:
    """What `read_inputs` would read once the stitched history were stored."""
    latest = last_month_end(la_id=la.pk)
    end = max(latest, as_at) if latest is not None else as_at
    first = la.history_from(
        loading_from=complete_from(window_start=window_start, episodes=extract.episodes)
    )
    children = stitched.children[["child_id", "dob", "uasc"]].copy()
    children["dob"] = pd.to_datetime(children["dob"]).astype("datetime64[ns]")
    return IndicatorInputs(
        episodes=_with_distances(la, stitched, extract, insert, delete_ids),
        children=children.reset_index(drop=True),
        population=dict(Population.objects.filter(la=la).values_list("year", "count")),
        end=end,
        carers=stored_households_frame(la_id=la.pk),
        costs=stored_costs_frame(la_id=la.pk),
        complete_from=first,
    )


def _with_distances(
    la: LocalAuthority,
    stitched: StitchedHistory,
    extract: Extract,
    inserted: pd.DataFrame,
    delete_ids: list[int],
) -> pd.DataFrame:
    """The stitched episodes with their distance and outside-the-authority mark: the stored
    ones for episodes kept as they are, worked out as saving would for new or changed ones."""
    kept_ids = set(stitched.stored_episodes["id"].tolist()) - set(delete_ids)
    marks = episodes_frame(la_id=la.pk, columns=["id", "distance", "outside_la"])
    kept = stitched.stored_episodes[stitched.stored_episodes["id"].isin(kept_ids)]
    kept = kept.merge(marks[["id", "distance", "outside_la"]], on="id", how="left")
    if not inserted.empty:
        where = postcodes.placement_distances(
            home_post=inserted["home_post"],
            pl_post=inserted["pl_post"],
            pl_distance=inserted["pl_distance"],
            districts=la.districts,
            known=extract.postcode_lookup,
        )
        inserted = inserted.assign(distance=where["distance"], outside_la=where["outside_la"])
    else:
        inserted = inserted.assign(
            distance=pd.Series(dtype=float), outside_la=pd.Series(dtype=float)
        )
    columns = [c for c in kept.columns if c != "id"]
    episodes = pd.concat([kept[columns], inserted[columns]], ignore_index=True)
    for name in ("distance", "outside_la", "pl_distance", "weekly_cost"):
        episodes[name] = pd.to_numeric(episodes[name], errors="coerce").astype(float)
    return episodes.sort_values(["child_id", "decom"], kind="mergesort").reset_index(drop=True)


def _after_values(
    inputs: IndicatorInputs, keys: list[str]
) -> dict[tuple[str, dt.date], float | None]:
    if inputs.episodes.empty:
        return {}
    values = indicator_values(inputs)
    values = values[values["indicator"].isin(keys)]
    return {
        (row.indicator, pd.Timestamp(row.period_end).date()): _number(row.value)
        for row in values.itertuples(index=False)
    }


def _stored_values(la: LocalAuthority, keys: list[str]) -> dict[tuple[str, dt.date], float | None]:
    rows = IndicatorValue.objects.filter(
        la=la, definitions_version=DEFINITIONS_VERSION, indicator__in=keys
    ).values_list("indicator", "period_end", "value")
    return {(key, day): _number(value) for key, day, value in rows}


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


@dataclass
class DryRun:
    """Files checked and previewed: every problem, and the preview when there is no error."""

    problems: list[Problem]
    preview: UploadPreview | None


def dry_run(
    *, la: LocalAuthority, as_at: dt.date, window_start: dt.date | None, files: list[RawFile]
) -> DryRun:
    """Read, check and preview 903 files as an upload of them would be, keeping nothing: no
    upload, no files, no episodes, no values."""
    extract, _ = validate_903_files(files, la_id=la.pk, as_at=as_at)
    problems = in_row_order(extract.problems, [f.name for f in files])
    if extract.has_errors:
        return DryRun(problems, None)
    preview, repairs = _preview(la=la, extract=extract, as_at=as_at, window_start=window_start)
    return DryRun(problems + repairs, preview)


MSG_REASON_REQUIRED = (
    "This is a large change ({why}): say why it is right to load it. Do not name a child."
)
MSG_PREVIEW_OUTDATED = MSG_HISTORY_CHANGED


class ReasonRequired(ValueError):
    """A large change was confirmed without a reason."""


class ChecksNotConfirmed(ValueError):
    """An upload whose checks warn was confirmed without ticking that they were checked."""


class PreviewOutdated(RuntimeError):
    """The preview confirmed is not the one for the stored history now; it has been redone."""


def large_change_reasons(preview: UploadPreview) -> list[str]:
    """Why a preview is a large change, in words ([] when it is not)."""
    reasons = []
    if preview.removes_many:
        reasons.append(
            f"it removes {preview.episodes_removed} of the {preview.episodes_in_window} stored "
            "episodes in its window"
        )
    if preview.issued_months_changed:
        months = ", ".join(f"{d.day} {d:%B %Y}" for d in preview.issued_months_changed)
        reasons.append(f"it changes figures the committee has already had, for {months}")
    elif preview.changes_earlier_months:
        reasons.append("it changes figures at month ends before the latest")
    if preview.warnings:
        reasons.append("it has warnings to check")
    return reasons


def upload_preview(upload: Upload) -> UploadPreview:
    """The preview of an upload awaiting confirmation: the one kept on it while the stored
    history is still the one it was worked out on, otherwise worked out again and kept."""
    token = current_history_token(la_id=upload.la_id)
    if upload.preview and upload.preview.get("history_token") == token:
        return UploadPreview.from_json(upload.preview)
    extract, _ = read_and_validate(upload, check_links=True)
    preview = preview_extract(
        la=upload.la, extract=extract, as_at=upload.as_at, window_start=upload.window_start
    )
    Upload.objects.filter(pk=upload.pk).update(preview=preview.to_json())
    upload.preview = preview.to_json()
    return preview


def confirm_upload(
    *,
    upload: Upload,
    user: AbstractBaseUser | None,
    history_token: str,
    reason: str = "",
    checked: bool = False,
) -> Upload:
    """Load an upload awaiting confirmation, as previewed with `history_token`.

    Raises PreviewOutdated (the preview is worked out again) when the stored history has
    changed since, ChecksNotConfirmed when its checks warn and `checked` (data staff have
    checked them) is not given, and ReasonRequired when the change is large and `reason` is
    blank."""
    preview = upload_preview(upload)
    if preview.history_token != history_token:
        raise PreviewOutdated(MSG_PREVIEW_OUTDATED)
    if preview.warnings and not checked:
        raise ChecksNotConfirmed(MSG_CHECKS_NOT_CONFIRMED)
    why = large_change_reasons(preview)
    if why and not reason.strip():
        raise ReasonRequired(MSG_REASON_REQUIRED.format(why="; ".join(why)))
    try:
        return load_confirmed(
            upload_id=upload.pk, user=user, expected_history=history_token, reason=reason
        )
    except HistoryChanged:
        upload_preview(upload)
        raise PreviewOutdated(MSG_PREVIEW_OUTDATED) from None
