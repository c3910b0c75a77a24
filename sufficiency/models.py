"""Computed indicator values, and the record of each computation that produced them."""

from __future__ import annotations

from django.db import models

from placements.models import LocalAuthority, Upload


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
    definitions_version = models.CharField(max_length=20)
    computed_at = models.DateTimeField()

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
