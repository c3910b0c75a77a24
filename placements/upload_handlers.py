"""Refuse oversize files while they stream in, before they are written anywhere.

Listed first in settings.FILE_UPLOAD_HANDLERS. Once a file passes settings.UPLOAD_MAX_BYTES
the rest of it is skipped (read from the socket and discarded), and its name is recorded in
`request.oversize_uploads` so the form can say which file was refused and why. Once the files
of the request together pass settings.UPLOAD_MAX_TOTAL_BYTES, that file and every later one
are skipped the same way and `request.upload_over_total` is set: the form then refuses the
whole upload, so what was kept of the earlier files is never used.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.total = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: bytes,
        encoding: str | None = None,
    ) -> None:
        self.request.oversize_uploads = []
        self.request.upload_over_total = False
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        # Read per file, not at import time, so override_settings works in tests.
        self.limit = settings.UPLOAD_MAX_BYTES
        self.total_limit = settings.UPLOAD_MAX_TOTAL_BYTES
        if getattr(self.request, "upload_over_total", False):
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        self.total += len(raw_data)
        if self.received > self.limit:
            oversize = getattr(self.request, "oversize_uploads", None)
            if oversize is None:
                oversize = self.request.oversize_uploads = []
            oversize.append(self.file_name)
            # A file refused on its own does not count towards the total.
            self.total -= self.received
            # The later handlers never see this chunk; the parser closes (and so deletes)
            # what they stored so far and discards the rest of this file.
            raise SkipFile
        if self.total > self.total_limit:
            self.request.upload_over_total = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        # The next handler builds the file object.
        return None
