"""Computed indicator values, and the record of each computation that produced them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from placements.models import LocalAuthority, Upload

if TYPE_CHECKING:
    from sufficiency.declaration import Unit


# Two stored values this close are the same figure: computing the same history twice gives
# the same floats, so only a real change of the figure is further apart.
SAME_VALUE_TOLERANCE = 1e-9


def same_value(before: float | None, after: float | None) -> bool:
    """Whether two stored values of a figure are the same (None: no value)."""
    if before is None or after is None:
        return before is None and after is None
    return abs(before - after) <= SAME_VALUE_TOLERANCE


class IndicatorValueQuerySet(models.QuerySet["IndicatorValue"]):
    def current(self) -> IndicatorValueQuerySet:
        """Values of the definitions in force; older versions stay stored but are not shown."""
        # Imported here: the catalogue module is plain Python, but models load first.
        from sufficiency.registry import DEFINITIONS_VERSION

        return self.filter(definitions_version=DEFINITIONS_VERSION)

    def period_ends(self, la: LocalAuthority) -> list[dt.date]:
        """The month ends an authority has values for, newest first: from the first month end
        the stored history covers (a month end before it has no figure at all)."""
        rows = (
            self.current()
            .filter(la=la, indicator="cla_count", enough_history=True)
            .order_by("-period_end")
        )
        return list(rows.values_list("period_end", flat=True))


class IndicatorValue(models.Model):
    """One indicator for one authority at one month end, as one definitions version computed it.

    Values of earlier definitions versions are kept, so a change of definition shows in history.
    """

    la = models.ForeignKey(
        LocalAuthority, on_delete=models.CASCADE, related_name="indicator_values"
    )
    indicator = models.CharField(max_length=40)
    period_end = models.DateField()
    value = models.FloatField(null=True, blank=True, help_text="Blank when not defined.")
    numerator = models.BigIntegerField()
    denominator = models.BigIntegerField()
    # False: the indicator looks back further than the stored history is complete; value is
    # blank and numerator and denominator 0 (sufficiency.coverage).
    enough_history = models.BooleanField(default=True)
    definitions_version = models.CharField(max_length=20)
    computed_at = models.DateTimeField()

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["la", "indicator", "period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "indicator", "period_end", "definitions_version"],
                name="indicator_value_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__gte=0) & models.Q(denominator__gte=0),
                name="indicator_value_counts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.la.code} {self.indicator} {self.period_end:%Y-%m-%d}: {self.value}"


def figures_state(la: models.Expression | models.F | int) -> dict[str, models.Subquery]:
    """Annotations saying whether an authority's figures are up to date, for a query about
    something of the authority (`la`: its id, or an OuterRef to it): `latest_run_failed_at`, set
    when its latest computation failed for good (not while a retry is due), and
    `figures_from`, when the computation behind the figures shown finished."""
    runs = Computation.objects.filter(la=la)
    latest = runs.order_by("-started_at", "-pk")
    return {
        "latest_run_failed_at": models.Subquery(
            latest.filter(pk=models.Subquery(latest.values("pk")[:1]))
            .filter(status=Computation.Status.FAILED, final=True)
            .values("finished_at")[:1]
        ),
        "figures_from": models.Subquery(
            runs.filter(status=Computation.Status.DONE)
            .order_by("-finished_at")
            .values("finished_at")[:1]
        ),
    }


class Computation(models.Model):
    """One attempt at recomputing an authority's indicators: when, why, and how it went."""

    class Trigger(models.TextChoices):
        UPLOAD = "upload", "After an upload"
        SCHEDULE = "schedule", "Monthly schedule"
        COMMAND = "command", "By hand"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="computations")
    upload = models.ForeignKey(
        Upload, on_delete=models.SET_NULL, null=True, blank=True, related_name="computations"
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    attempt = models.PositiveSmallIntegerField(default=1)
    final = models.BooleanField(
        default=True, help_text="False while a failed attempt will still be retried."
    )
    definitions_version = models.CharField(max_length=20)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    months = models.PositiveIntegerField(default=0)
    values_written = models.PositiveIntegerField(default=0)
    compute_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="What went wrong (never row contents).")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Computation {self.pk} for {self.la.code}: {self.status}"


class PublishedValue(models.Model):
    """One figure the DfE published for an indicator, as published (markers and all).

    Geography is keyed by the DfE 3-digit code rather than a foreign key: the files cover
    every English authority, not only those using the product, and predecessor authorities
    (e.g. 909 Cumbria) that no longer exist.
    """

    class Level(models.TextChoices):
        NATIONAL = "national", "England"
        REGIONAL = "regional", "Region"
        LA = "la", "Local authority"

    class Source(models.TextChoices):
        EES_CLA_NUMBERS = "ees_cla_numbers", "EES: CLA numbers and rates"
        EES_PLACEMENT_STABILITY = "ees_placement_stability", "EES: placement stability"
        LAIT_CLA = "lait_cla", "LAIT: looked-after children measures"

    indicator = models.CharField(max_length=40)
    level = models.CharField(max_length=10, choices=Level.choices)
    la_code = models.CharField(max_length=3, blank=True, help_text="Blank for England/regions.")
    # Regions have no 3-digit code common to both sources, so their published name tells
    # them apart; without it the nine regional rows of a year would collide.
    region = models.CharField(max_length=60, blank=True, help_text="Only for regional rows.")
    year = models.PositiveSmallIntegerField(help_text="The year of the 31 March it describes.")
    value = models.FloatField(null=True, blank=True)
    marker = models.CharField(
        max_length=2,
        blank=True,
        help_text="The published marker when there is no number: c, z, x, k, - or blank.",
    )
    source = models.CharField(max_length=30, choices=Source.choices)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "level", "region", "la_code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "level", "region", "la_code", "year"],
                name="published_value_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.la_code or self.region or "England"
        shown = self.marker if self.value is None else self.value
        return f"{self.indicator} {where} {self.year}: {shown}"


class StatisticalNeighbour(models.Model):
    """One of an authority's ten statistical neighbours in one DfE model."""

    class Model(models.TextChoices):
        APRIL_2021 = "2021", "April 2021"
        MODEL_2025 = "2025", "2025"

    model = models.CharField(max_length=4, choices=Model.choices)
    la_code = models.CharField(max_length=3)
    neighbour_code = models.CharField(max_length=3)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["model", "la_code", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "la_code", "rank"], name="statistical_neighbour_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1) & models.Q(rank__lte=10),
                name="statistical_neighbour_rank_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.la_code} neighbour {self.rank} ({self.model}): {self.neighbour_code}"


# What Target.clean says; the target form shows these beside the fields they are about.
INFO_HAS_NO_TARGET = "{name} is shown for information only, so it cannot have a target."
PERCENT_OUT_OF_RANGE = "A percentage target must be between 0 and 100."
VALUE_NEGATIVE = "The target must be 0 or more."
PERCENT_DECIMALS = "Enter a percentage to at most one decimal place, for example 12.5."
WHOLE_NUMBER = "Enter a whole number: {name} is shown as a whole number."
MARGIN_OUT_OF_RANGE = "The amber margin must be between 0 and 100 percentage points."
MARGIN_NEGATIVE = "The amber margin must be 0 or more."
MARGIN_DECIMALS = "Enter the amber margin to at most one decimal place, for example 2.5."
MARGIN_WHOLE_NUMBER = "Enter the amber margin as a whole number, for example 2."


class TargetQuerySet(models.QuerySet["Target"]):
    def in_force(self, on: dt.date) -> dict[str, Target]:
        """The target of each indicator in force on `on`: the one with the latest start on or
        before it. Evaluated here, so call it on a queryset already narrowed to one authority."""
        found: dict[str, Target] = {}
        for target in self.filter(start_date__lte=on).order_by("indicator", "start_date", "id"):
            found[target.indicator] = target
        return found


class Target(models.Model):
    """What an authority aims for on one indicator from a start date, until the next one starts.

    Red/amber/green follows the indicator's polarity: on target when the value is at or better
    than `value`; close when worse by no more than `amber_margin` (in the indicator's own unit:
    points for a percentage, children for a count); off target beyond that.
    """

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(max_length=40)
    value = models.FloatField()
    start_date = models.DateField(help_text="The first month end the target applies to.")
    amber_margin = models.FloatField(
        default=0,
        help_text="How far from the target still counts as close (amber), in the indicator's unit.",
    )
    note = models.CharField(max_length=300, blank=True, help_text="Where the target comes from.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["la", "indicator", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "indicator", "start_date"], name="target_one_per_start"
            ),
            models.CheckConstraint(
                condition=models.Q(amber_margin__gte=0), name="target_amber_margin_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.la.code} {self.indicator} from {self.start_date:%Y-%m-%d}: {self.value}"

    def clean(self) -> None:
        """A target and its margin in the indicator's own unit (docs/README.md#units): a percentage is 0
        to 100 and shown to one decimal, counts and rates per 10,000 are shown as whole numbers,
        so a target or margin finer than the pages can show is refused rather than silently
        rounded. An indicator shown for information only has no target."""
        # Imported here: the catalogue module is plain Python, but models load first.
        from sufficiency.registry import BY_KEY

        definition = BY_KEY.get(self.indicator)
        errors: dict[str, str] = {}
        if definition is not None and definition.polarity == "info":
            errors[NON_FIELD_ERRORS] = INFO_HAS_NO_TARGET.format(name=definition.name)
        unit = definition.unit if definition else None
        value_messages = (
            PERCENT_OUT_OF_RANGE if unit == "percent" else VALUE_NEGATIVE,
            PERCENT_OUT_OF_RANGE,
            PERCENT_DECIMALS,
            WHOLE_NUMBER.format(name=definition.name if definition else "it"),
        )
        margin_messages = (
            MARGIN_NEGATIVE,
            MARGIN_OUT_OF_RANGE,
            MARGIN_DECIMALS,
            MARGIN_WHOLE_NUMBER,
        )
        # None where the form could not read the field: it says so itself.
        for name, messages in (("value", value_messages), ("amber_margin", margin_messages)):
            number = getattr(self, name)
            if number is not None and (problem := _unit_problem(float(number), unit, messages)):
                errors[name] = problem
        if errors:
            raise ValidationError(errors)

    def rag(self, value: float | None, polarity: str) -> str | None:
        """ "green", "amber" or "red" for `value` against this target; None when it can't say."""
        if value is None or polarity not in {"lower", "higher"} or value != value:
            return None
        shortfall = value - self.value if polarity == "lower" else self.value - value
        # Compared at the precision pages show (one decimal), so a value shown as equal to the
        # target is never called off target because of a hidden second decimal.
        shortfall = round(shortfall, 6)
        if shortfall <= 0:
            return "green"
        if shortfall <= self.amber_margin:
            return "amber"
        return "red"


def _unit_problem(number: float, unit: Unit | None, messages: tuple[str, str, str, str]) -> str:
    """What is wrong with a target or margin in the unit, in `messages` (negative, over 100,
    finer than a decimal, not whole); "" when nothing is."""
    negative, over_100, too_fine, not_whole = messages
    if number < 0:
        return negative
    if unit == "percent":
        if number > 100:
            return over_100
        if round(number, 1) != number:
            return too_fine
    elif unit in {"count", "rate"} and not number.is_integer():
        return not_whole
    return ""


class Commentary(models.Model):
    """Officers' words on one indicator in one month, shown on its page and to the committee."""

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="commentary")
    indicator = models.CharField(max_length=40)
    period_end = models.DateField()
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The figure the words were written against (the stored value, numerator and denominator
    # when it was saved): when the stored figure changes, the words may no longer fit it, so
    # they are held back from the committee until an officer saves them again.
    written_value = models.FloatField(null=True, blank=True)
    written_numerator = models.BigIntegerField(null=True, blank=True)
    written_denominator = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["la", "indicator", "-period_end"]
        verbose_name_plural = "commentary"
        constraints = [
            models.UniqueConstraint(
                fields=["la", "indicator", "period_end"], name="commentary_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.la.code} {self.indicator} {self.period_end:%Y-%m-%d}"

    def is_stale(self, value: float | None, numerator: int | None, denominator: int | None) -> bool:
        """Whether the stored figure (None: no figure now) differs from the one the words were
        written against."""
        if self.written_numerator is None:
            return False  # no figure recorded with the words (none then, or written elsewhere)
        if numerator is None:
            return True
        return not (
            same_value(self.written_value, value)
            and self.written_numerator == numerator
            and self.written_denominator == denominator
        )


class IssuedReport(models.Model):
    """A month's committee report once it has gone to the committee: the figures it showed are
    kept, so that a later change to one of them is shown as a revision, not silently."""

    class How(models.TextChoices):
        MARKED = "marked", "Marked as issued by an officer"
        PDF = "pdf", "Downloaded as a PDF by a committee member"

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="issued_reports")
    period_end = models.DateField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    how = models.CharField(max_length=10, choices=How.choices)

    class Meta:
        ordering = ["la", "-period_end"]
        constraints = [
            models.UniqueConstraint(fields=["la", "period_end"], name="issued_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.la.code} report {self.period_end:%Y-%m-%d}"


class IssuedFigure(models.Model):
    """One figure as an issued report showed it: the words the committee read (small numbers
    suppressed) and the stored value behind them (never shown to the committee itself)."""

    report = models.ForeignKey(IssuedReport, on_delete=models.CASCADE, related_name="figures")
    indicator = models.CharField(max_length=40)
    text = models.CharField(max_length=100)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["report", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="issued_figure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.indicator}: {self.text}"


class ForecastRun(models.Model):
    """One computed demand forecast of an authority (docs/forecast.md): the model version,
    the start and reference period it was estimated on, and its parameters. The latest run of
    an authority is the one shown; computing again replaces it."""

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="forecasts")
    model_version = models.CharField(max_length=20)
    start = models.DateField(help_text="The month end the forecast starts from.")
    reference_from = models.DateField(help_text="The first month end of the reference period.")
    horizon_months = models.PositiveSmallIntegerField()
    futures = models.PositiveIntegerField(help_text="Simulated futures behind the intervals.")
    parameters = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["la", "-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.la} forecast from {self.start:%Y-%m-%d}"


class ForecastInterval(models.Model):
    """A forecast figure: its mean and its 80% and 95% intervals."""

    mean = models.FloatField(null=True)
    lower_80 = models.FloatField(null=True)
    upper_80 = models.FloatField(null=True)
    lower_95 = models.FloatField(null=True)
    upper_95 = models.FloatField(null=True)

    class Meta:
        abstract = True


class ForecastValue(ForecastInterval):
    """One measure at one month end of a forecast: its mean and 80% and 95% intervals."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="values")
    period_end = models.DateField()
    measure = models.CharField(max_length=40)

    class Meta:
        ordering = ["run", "measure", "period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "measure", "period_end"], name="forecast_value_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} at {self.period_end:%Y-%m-%d}: {self.mean}"


class BacktestValue(models.Model):
    """The forecast's track record for one measure and horizon (docs/forecast.md#track-record)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="backtest")
    measure = models.CharField(max_length=40)
    horizon_months = models.PositiveSmallIntegerField()
    origins = models.PositiveIntegerField()
    mae = models.FloatField(null=True)
    mape = models.FloatField(null=True)
    bias = models.FloatField(null=True)
    skill_vs_no_change = models.FloatField(null=True)
    coverage_80 = models.FloatField(null=True)
    coverage_95 = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "measure", "horizon_months"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "measure", "horizon_months"], name="backtest_value_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.horizon_months} months ahead: MAE {self.mae}"


class PastForecastValue(ForecastInterval):
    """What the backtest forecast from one past month end for one later month, beside what
    was then recorded and what "no change" said: the chart of past forecasts."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="past")
    origin = models.DateField()
    period_end = models.DateField()
    measure = models.CharField(max_length=40)
    horizon_months = models.PositiveSmallIntegerField()
    actual = models.FloatField(null=True)
    no_change = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "measure", "origin", "horizon_months"]

    def __str__(self) -> str:
        return f"{self.measure} from {self.origin:%Y-%m-%d}, {self.horizon_months} months ahead"
