"""Audio uploads written once, straight to their show's folder, with flat memory.

werkzeug normally spools an uploaded file to a temporary file that the view then copies. For
views marked ``@streams_upload`` the studio gate names the show's folder first, and this
request class gives the multipart parser a stream factory (werkzeug's public hook) that opens
a ``PartFile`` there instead: each chunk is written and hashed as it arrives, and the parsed
request carries the finished file. Any other file part goes to werkzeug's own factory.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import IO

from flask import Request, g, has_request_context
from werkzeug.formparser import FormDataParser

from showapp.errors import BadAudio
from showapp.services.audio.files import AUDIO_TYPES, PartFile, audio_extension
from showapp.storage import current_storage


class StudioRequest(Request):
    def make_form_data_parser(self) -> FormDataParser:
        parser = super().make_form_data_parser()
        spool = parser.stream_factory  # werkzeug's: memory, or a temporary file when large

        def stream_factory(
            total_content_length: int | None,
            content_type: str | None,
            filename: str | None = None,
            content_length: int | None = None,
        ) -> IO[bytes]:
            part = self._audio_part(filename or "")
            if part is None:
                return spool(total_content_length, content_type, filename, content_length)
            return part

        parser.stream_factory = stream_factory
        return parser

    def _audio_part(self, filename: str) -> PartFile | None:
        target: Path | None = g.get("stream_uploads_to") if has_request_context() else None
        extension = _extension_or_none(filename)
        if target is None or extension is None:
            return None
        part = PartFile(target, extension)
        self.upload_parts.append(part)
        # With a bucket the object is uploaded, part by part, while the file arrives.
        name = f"{g.stream_uploads_show}/upload-{secrets.token_hex(4)}{extension}"
        part.sink = current_storage().stream_upload(name, AUDIO_TYPES[extension])
        return part

    @property
    def upload_parts(self) -> list[PartFile]:
        if "upload_parts" not in self.__dict__:
            self.__dict__["upload_parts"] = []
        parts: list[PartFile] = self.__dict__["upload_parts"]
        return parts

    def close(self) -> None:
        # A part that was kept has been renamed away; any other one (refused, over the size
        # limit, cut off, CSRF failure) is removed here, so nothing half-written stays behind
        # (with a bucket, its multipart upload is aborted).
        super().close()
        for part in self.upload_parts:
            part.discard()


def _extension_or_none(filename: str) -> str | None:
    try:
        return audio_extension(filename)
    except BadAudio:
        return None
