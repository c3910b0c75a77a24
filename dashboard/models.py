"""The record of who looked at which list of named children, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from placements.models import LocalAuthority


class ChildListView(models.Model):
    """One view (or download) of the children behind a number. Written before the list is sent;
    admins read these in the admin site. Holds which list was seen, never the children in it."""

    class Format(models.TextChoices):
        PAGE = "page", "Page"
        CSV = "csv", "CSV download"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The username as text too: the line must outlive the account.
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=20, blank=True)
    viewed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(max_length=40)
    period_end = models.DateField()
    children_listed = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.PAGE)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        verbose_name = "child list view"

    def __str__(self) -> str:
        return f"{self.username} saw {self.indicator} {self.period_end:%Y-%m-%d} ({self.la.code})"
