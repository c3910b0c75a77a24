"""The records: local authorities, children, their episodes of care, and the uploads that built them."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import IO

from django.conf import settings
from django.db import models
from django.db.models import Q

from placements.ssda903.problems import Problem


class LocalAuthorityQuerySet(models.QuerySet):
    def for_user(self, user: settings.AUTH_USER_MODEL) -> LocalAuthorityQuerySet:
        """The authorities a user may see: their own, or every one for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(users=user)


class LocalAuthority(models.Model):
    code = models.CharField(
        "DfE code", max_length=3, unique=True, help_text="The DfE 3-digit code, e.g. 210."
    )
    name = models.CharField(max_length=100)
    districts = models.JSONField(
        default=list,
        blank=True,
        help_text="ONS local authority district codes (E06/E07/E08/E09...) the authority covers.",
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="local_authorities", blank=True
    )
    history_complete_from = models.DateField(
        null=True,
        blank=True,
        help_text="Leave blank unless the records before a date are known to be incomplete: "
        "then that date. The history counts as complete from the later of this and what the "
        "loaded uploads cover.",
    )

    objects = LocalAuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def history_from(self, *, loading_from: dt.date | None = None) -> dt.date | None:
        """The date from which the stored 903 history is complete (docs/uploads.md#history-
        coverage): the earliest day a loaded 903 upload covers, or the later date data staff
        gave; None while no 903 upload is loaded. `loading_from`: the day an upload not yet
        loaded is complete from, to see the history as it would be with it."""
        covered = self.uploads.filter(
            kind=Upload.Kind.SSDA903, status=Upload.Status.LOADED, complete_from__isnull=False
        ).aggregate(first=models.Min("complete_from"))["first"]
        if loading_from is not None:
            covered = min(covered, loading_from) if covered is not None else loading_from
        if covered is None:
            return None
        if self.history_complete_from is not None:
            return max(covered, self.history_complete_from)
        return covered


class Population(models.Model):
    """ONS mid-year estimate of the authority's population aged 0-17."""

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(help_text="The mid-year of the ONS estimate.")
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["la", "year"]
        constraints = [models.UniqueConstraint(fields=["la", "year"], name="population_la_year")]

    def __str__(self) -> str:
        return f"{self.la.code} {self.year}: {self.count}"


class Child(models.Model):
    """A child in an authority's 903 Header (and UASC) tables. CHILD ids are unique per authority."""

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="children")
    child_id = models.CharField("CHILD", max_length=10)
    sex = models.CharField(max_length=1)
    dob = models.DateField("date of birth")
    ethnic = models.CharField("ethnicity", max_length=4)
    upn = models.CharField("UPN", max_length=13, blank=True)
    mother = models.CharField(max_length=1, blank=True)
    mc_dob = models.DateField("mother's child's date of birth", null=True, blank=True)
    uasc = models.BooleanField("unaccompanied asylum-seeking child", default=False)
    uasc_ceased = models.DateField("date UASC status ceased", null=True, blank=True)

    class Meta:
        ordering = ["la", "child_id"]
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(fields=["la", "child_id"], name="child_unique_per_la"),
        ]

    def __str__(self) -> str:
        return f"{self.la.code}/{self.child_id}"


class Episode(models.Model):
    """One SSDA903 episode: a span of care with one legal status and one placement."""

    # Episodes are written only by placements.bulk.write_history, which stores the child
    # first and maps its id, so these keys hold by construction. Django still cascades deletes.
    # The database does not re-check them row by row: that check doubled the time to commit a
    # 70,000-episode history. The rules the writer cannot guarantee are constraints below.
    la = models.ForeignKey(
        LocalAuthority,
        on_delete=models.CASCADE,
        related_name="episodes",
        db_constraint=False,
        db_index=False,  # the (la, decom) index serves
    )
    child = models.ForeignKey(
        Child,
        on_delete=models.CASCADE,
        related_name="episodes",
        db_constraint=False,
        db_index=False,  # the unique (child, decom) index serves
    )
    decom = models.DateField("DECOM")
    rne = models.CharField("RNE", max_length=1)
    ls = models.CharField("LS", max_length=2)
    cin = models.CharField("CIN", max_length=2)
    place = models.CharField("PLACE", max_length=3)
    place_provider = models.CharField("PLACE_PROVIDER", max_length=3, blank=True)
    dec = models.DateField("DEC", null=True, blank=True)
    rec = models.CharField("REC", max_length=3, blank=True)
    reason_place_change = models.CharField("REASON_PLACE_CHANGE", max_length=6, blank=True)
    home_post = models.CharField("HOME_POST", max_length=8, blank=True)
    pl_post = models.CharField("PL_POST", max_length=8, blank=True)
    urn = models.CharField("URN", max_length=8, blank=True)
    pl_distance = models.DecimalField(
        "PL_DISTANCE",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Distance from the extract, when the council supplies it (999.9 = not known).",
    )
    # Worked out once, when the episode is stored (docs/uploads.md#distance-from-home).
    distance = models.DecimalField(
        "distance from home (miles)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="PL_DISTANCE when given, else from the postcodes' centroids; blank when unknown.",
    )
    outside_la = models.BooleanField(
        "placed outside the authority",
        null=True,
        blank=True,
        help_text="Whether the placement postcode lies outside the authority's districts.",
    )
    # Optional columns a council may add to its Episodes table (issue 5).
    carer_id = models.CharField(
        "CARER_ID",
        max_length=20,
        blank=True,
        db_default="",  # also when a writer's COPY leaves the column out
        help_text="The foster carer household placed with.",
    )
    weekly_cost = models.DecimalField(
        "WEEKLY_COST", max_digits=9, decimal_places=2, null=True, blank=True,
        help_text="Weekly cost of the placement in pounds, when the extract carries it.",
    )  # fmt: skip
    source_upload = models.ForeignKey(
        "Upload",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["la", "child", "decom"]
        constraints = [
            models.UniqueConstraint(fields=["child", "decom"], name="episode_unique_child_decom"),
            models.CheckConstraint(
                condition=Q(dec__isnull=True) | Q(dec__gt=models.F("decom")),
                name="episode_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(dec__isnull=True) & Q(rec="")) | (Q(dec__isnull=False) & ~Q(rec="")),
                name="episode_end_date_and_reason_together",
            ),
        ]
        indexes = [models.Index(fields=["la", "decom"])]

    def __str__(self) -> str:
        return f"{self.child} from {self.decom:%d/%m/%Y}"


class UploadQuerySet(models.QuerySet):
    def for_user(self, user: settings.AUTH_USER_MODEL) -> UploadQuerySet:
        return self.filter(la__in=LocalAuthority.objects.for_user(user))

    def applied(self) -> UploadQuerySet:
        """Loaded uploads in the order they changed the history (what a rebuild replays)."""
        return self.filter(status=Upload.Status.LOADED).order_by("applied_seq")


class Upload(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        LOADED = "loaded", "Loaded"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Already loaded"
        FAILED = "failed", "Failed"
        REVERTED = "reverted", "Undone"
        # A 903 upload from the web form, checked and previewed, until data staff load it.
        AWAITING = "awaiting", "Awaiting confirmation"
        CANCELLED = "cancelled", "Cancelled"

    class Stage(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        READING = "reading", "Reading files"
        VALIDATING = "validating", "Checking rows"
        STITCHING = "stitching", "Stitching onto the stored history"
        STORING = "storing", "Saving"
        DONE = "done", "Finished"

    class Kind(models.TextChoices):
        SSDA903 = "ssda903", "SSDA903 extract"
        CARERS = "carers", "Foster carers extract"
        COSTS = "costs", "Placement costs extract"

    la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="uploads")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SSDA903)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_at = models.DateField("as-at date")
    window_start = models.DateField(
        null=True, blank=True, help_text="Blank when the upload is the full history."
    )
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revert_reason = models.TextField(blank=True)
    confirm_first = models.BooleanField(
        default=False,
        help_text="Wait, once checked, for data staff to confirm the preview before loading "
        "(a 903 upload from the web form).",
    )
    # What loading it would change (sufficiency.preview.UploadPreview.to_json), worked out on
    # the stored history its `history_token` names.
    preview = models.JSONField(null=True, blank=True)
    change_reason = models.TextField(
        blank=True, help_text="Why a large change was loaded, as typed in when confirming it."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who loaded or cancelled an upload awaiting confirmation.",
    )
    complete_from = models.DateField(
        null=True,
        blank=True,
        help_text="For a loaded 903 upload, the first day its episodes are complete from: the "
        "window start, or the earliest DECOM of a full history.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    fingerprint = models.CharField(
        max_length=64, db_index=True, help_text="SHA-256 over the files' checksums and the window."
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_seq = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Order in which loaded uploads changed the authority's history.",
    )
    failure = models.TextField(blank=True, help_text="Why processing failed (never row contents).")
    # What the sweeper (placements.recovery) goes by: when the upload was last handed to the
    # task queue, when processing last started, and how many times it has started.
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times processing has started."
    )
    # The rows are what the kind's extract lists: episodes (903), carer households (carers) or
    # placement costs (costs). Added, updated and removed say what loading did to the stored
    # ones; a costs upload never removes a stored cost, so its rows_removed stays 0.
    rows_count = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_removed = models.PositiveIntegerField(default=0)
    # The children in a 903 extract, or the children a costs extract's costs are for.
    children_count = models.PositiveIntegerField(default=0)
    # The carer households in a carers extract that are deregistered.
    deregistered_count = models.PositiveIntegerField(default=0)
    errors_count = models.PositiveIntegerField(default=0)
    warnings_count = models.PositiveIntegerField(default=0)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "applied_seq"], name="upload_applied_seq_unique_per_la"
            ),
        ]

    def __str__(self) -> str:
        return f"Upload {self.pk} for {self.la.code} as at {self.as_at:%d/%m/%Y}"

    @property
    def is_finished(self) -> bool:
        return self.status not in {self.Status.QUEUED, self.Status.PROCESSING}


class UploadFile(models.Model):
    """A raw file exactly as it was uploaded, kept so the history can be rebuilt."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text="Bytes, as uploaded.")
    tables = models.CharField(
        max_length=200, blank=True, help_text="The 903 tables recognised in the file."
    )

    class Meta:
        ordering = ["upload", "id"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def keep(cls, *, upload: Upload, name: str, stream: IO[bytes], sha256: str) -> UploadFile:
        """Store a file read from `stream` (from its start), its bytes compressed in chunks:
        never more than a chunk of it is held in memory."""
        record = cls.objects.create(upload=upload, name=name, sha256=sha256, size=0)
        compressor = zlib.compressobj(1)
        pending = bytearray()
        index = size = 0
        stream.seek(0)
        while data := stream.read(UploadFileChunk.SIZE):
            size += len(data)
            pending += compressor.compress(data)
            if len(pending) >= UploadFileChunk.SIZE:
                UploadFileChunk.objects.create(file=record, index=index, data=bytes(pending))
                index += 1
                pending.clear()
        pending += compressor.flush()
        UploadFileChunk.objects.create(file=record, index=index, data=bytes(pending))
        cls.objects.filter(pk=record.pk).update(size=size)
        record.size = size
        return record

    @property
    def content(self) -> bytes:
        decompressor = zlib.decompressobj()
        parts = [
            decompressor.decompress(bytes(data))
            for data in self.chunks.order_by("index").values_list("data", flat=True).iterator()
        ]
        parts.append(decompressor.flush())
        return b"".join(parts)


class UploadFileChunk(models.Model):
    """One piece of a kept file's zlib stream: a file is written and read a chunk at a time,
    so that a large upload is never held whole by the web worker that keeps it."""

    SIZE = 1024 * 1024  # bytes read at a time, and about the most stored in one chunk

    file = models.ForeignKey(UploadFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    # zlib-compressed: extracts are text that shrinks about tenfold, and storing and reading
    # them back is then a fraction of the work. The checksum is of the bytes as uploaded.
    data = models.BinaryField()

    class Meta:
        ordering = ["file", "index"]
        constraints = [
            models.UniqueConstraint(fields=["file", "index"], name="upload_file_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.file} chunk {self.index}"


class UploadProblem(models.Model):
    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="problems")
    severity = models.CharField(max_length=7, choices=Severity.choices)
    file = models.CharField(max_length=255, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    child_id = models.CharField("CHILD", max_length=20, blank=True)
    column = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=100, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["upload", "id"]

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"

    def as_problem(self) -> Problem:
        return Problem(
            severity=self.severity,
            message=self.message,
            file=self.file,
            row=self.row,
            child=self.child_id,
            column=self.column,
            value=self.value,
        )


class CarerHousehold(models.Model):
    """A foster carer household of the authority's fostering service or of an agency it uses,
    from the carers extract (README: "Foster carers extract"). The extract lists every household
    with its approval and deregistration dates, so each loaded extract replaces the stored list.
    """

    class CarerType(models.TextChoices):
        MAINSTREAM = "MAINSTREAM", "Mainstream"
        CONNECTED = "CONNECTED", "Connected person (kinship)"
        SHORT_BREAKS = "SHORT_BREAKS", "Short breaks"
        PARENT_AND_CHILD = "PARENT_AND_CHILD", "Parent and child"
        SPECIALIST = "SPECIALIST", "Specialist or therapeutic"
        EMERGENCY = "EMERGENCY", "Emergency or respite"
        REMAND = "REMAND", "Remand"

    class Provision(models.TextChoices):
        IN_HOUSE = "IN_HOUSE", "In-house"
        AGENCY = "AGENCY", "Agency"

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="carers")
    carer_id = models.CharField("CARER_ID", max_length=20)
    carer_type = models.CharField(max_length=20, choices=CarerType.choices)
    provision = models.CharField(max_length=10, choices=Provision.choices)
    agency_urn = models.CharField("agency URN", max_length=8, blank=True)
    approval_date = models.DateField()
    deregistration_date = models.DateField(null=True, blank=True)
    deregistration_reason = models.CharField(max_length=100, blank=True)
    approved_places = models.PositiveSmallIntegerField()
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode_sector = models.CharField(max_length=8, blank=True)
    source_upload = models.ForeignKey(
        "Upload", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["la", "carer_id"]
        constraints = [
            models.UniqueConstraint(fields=["la", "carer_id"], name="carer_unique_per_la"),
            models.CheckConstraint(
                condition=Q(deregistration_date__isnull=True)
                | Q(deregistration_date__gte=models.F("approval_date")),
                name="carer_deregistered_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.la.code}/{self.carer_id}"


class PlacementCost(models.Model):
    """The weekly cost of one episode's placement, from a costs extract keyed by CHILD and DECOM.

    Kept apart from Episode so that reloading the 903 history never loses it; where both exist,
    the costs extract wins over a WEEKLY_COST column on the episodes.
    """

    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="costs")
    child_id = models.CharField("CHILD", max_length=10)
    decom = models.DateField("DECOM")
    weekly_cost = models.DecimalField(max_digits=9, decimal_places=2)
    source_upload = models.ForeignKey(
        "Upload", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["la", "child_id", "decom"]
        constraints = [
            models.UniqueConstraint(
                fields=["la", "child_id", "decom"], name="placement_cost_unique"
            ),
            models.CheckConstraint(
                condition=Q(weekly_cost__gte=0), name="placement_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.la.code}/{self.child_id} from {self.decom:%d/%m/%Y}: {self.weekly_cost}"


class Provider(models.Model):
    """A provider on Ofsted's lists (children's homes, social care providers, supported
    accommodation), as last imported. National: the lists cover every English authority."""

    urn = models.CharField("URN", max_length=12, unique=True)
    name = models.CharField(max_length=200)
    provider_type = models.CharField(max_length=100, blank=True)
    provider_subtype = models.CharField(max_length=100, blank=True)
    sector = models.CharField(max_length=60, blank=True)
    owner_name = models.CharField(max_length=200, blank=True)
    top_company = models.CharField(max_length=200, blank=True)
    registered_places = models.PositiveIntegerField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    local_authority = models.CharField(
        max_length=100, blank=True, help_text="The setting's local authority, as Ofsted names it."
    )
    district = models.CharField(
        max_length=9, blank=True, help_text="ONS district of the postcode, when found."
    )
    easting = models.PositiveIntegerField(null=True, blank=True)
    northing = models.PositiveIntegerField(null=True, blank=True)
    registration_status = models.CharField(max_length=60, blank=True)
    registration_date = models.DateField(null=True, blank=True)
    closed_date = models.DateField(null=True, blank=True)
    placement_codes = models.CharField(max_length=200, blank=True)
    provider_code = models.CharField(
        max_length=20, blank=True, help_text="The 903 PLACE_PROVIDER code Ofsted lists."
    )
    last_inspection_date = models.DateField(null=True, blank=True)
    overall_effectiveness = models.CharField(max_length=60, blank=True)
    source_list = models.CharField(max_length=30, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "urn"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"


class ImportLog(models.Model):
    """One attempt at importing a published file: an Ofsted provider list or a DfE benchmark
    file. Who, when, what, and how it went; `importer` says which importer wrote it."""

    class Importer(models.TextChoices):
        PROVIDERS = "providers", "Ofsted provider list"
        BENCHMARKS = "benchmarks", "DfE published figures"

    class Status(models.TextChoices):
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"

    importer = models.CharField(max_length=20, choices=Importer.choices)
    # The username as text, not a foreign key: the audit line must outlive the account.
    who = models.CharField(max_length=150, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(
        max_length=40, blank=True, help_text="The layout the importer recognised the file as."
    )
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0, help_text="Provider lists: new providers.")
    changed = models.PositiveIntegerField(
        default=0, help_text="Provider lists: providers with a field changed."
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_importer_display()} import {self.file_name}: {self.status}"


class ProviderChange(models.Model):
    """What a re-import changed about a provider: one field, before and after."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="changes")
    provider_import = models.ForeignKey(ImportLog, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["provider", "-provider_import", "field"]

    def __str__(self) -> str:
        return f"{self.provider.urn} {self.field}: {self.old_value} -> {self.new_value}"
