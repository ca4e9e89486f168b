"""Uploaded video creatives: what the file really is (not what its name or browser claims) and how
long it runs, read from the MP4/QuickTime container itself, in pure Python.

Only ISO base media files (MP4, MOV) are accepted: their first box is `ftyp`, and the movie
header `mvhd` inside `moov` gives the duration (timescale units). Nothing is decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from bizlink.core.errors import InvalidInput

MAX_VIDEO_BYTES = 500 * 1024 * 1024  # TikTok's limit for an uploaded ad video
MIN_SECONDS = Decimal("1")
MAX_SECONDS = Decimal("600")
# A movie header lives in `moov`; reading more than this of it means a malformed file.
MAX_MOOV_BYTES = 64 * 1024 * 1024
EXTENSIONS = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime"}


@dataclass(frozen=True)
class VideoInfo:
    content_type: str
    duration: Decimal  # seconds, 3 decimals


def _boxes(stream: IO[bytes], end: int | None) -> list[tuple[bytes, int, int]]:
    """(type, payload offset, payload size) of the boxes from the current position to `end`."""
    out = []
    while end is None or stream.tell() + 8 <= end:
        start = stream.tell()
        header = stream.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        offset = 8
        if size == 1:
            large = stream.read(8)
            if len(large) < 8:
                break
            size = struct.unpack(">Q", large)[0]
            offset = 16
        elif size == 0:  # runs to the end of the file
            stream.seek(0, 2)
            size = stream.tell() - start
        if size < offset:
            raise InvalidInput("The video file is damaged (a container box is cut short).", "file")
        out.append((kind, start + offset, size - offset))
        stream.seek(start + size)
        if len(out) > 10_000:
            break
    return out


def _duration(moov: bytes) -> Decimal | None:
    at = 0
    while at + 8 <= len(moov):
        size, kind = struct.unpack(">I4s", moov[at : at + 8])
        if size < 8:
            return None
        if kind == b"mvhd":
            body = moov[at + 8 : at + size]
            if not body:
                return None
            if body[0] == 1 and len(body) >= 32:
                timescale, length = struct.unpack(">IQ", body[20:32])
            elif len(body) >= 20:
                timescale, length = struct.unpack(">II", body[12:20])
            else:
                return None
            if timescale == 0:
                return None
            return (Decimal(length) / Decimal(timescale)).quantize(Decimal("0.001"))
        at += size
    return None


def probe_video(stream: IO[bytes], *, name: str, size: int) -> VideoInfo:
    """Check an upload is an MP4/MOV video of an allowed size and length, or say what is wrong."""
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS:
        raise InvalidInput("Upload the video as an .mp4 or .mov file.", "file")
    if size <= 0:
        raise InvalidInput("The file is empty.", "file")
    if size > MAX_VIDEO_BYTES:
        raise InvalidInput(
            f"The video is {size / 1024 / 1024:.0f} MB; upload at most "
            f"{MAX_VIDEO_BYTES // 1024 // 1024} MB.",
            "file",
        )
    stream.seek(0)
    head = stream.read(12)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise InvalidInput(
            "This file is not an MP4 or MOV video (its contents say otherwise), whatever its name.",
            "file",
        )
    brand = head[8:12]
    stream.seek(0)
    moov = next((b for b in _boxes(stream, None) if b[0] == b"moov"), None)
    if moov is None or moov[2] > MAX_MOOV_BYTES:
        raise InvalidInput("The video has no readable movie header; export it again.", "file")
    stream.seek(moov[1])
    duration = _duration(stream.read(moov[2]))
    stream.seek(0)
    if duration is None:
        raise InvalidInput("The video's length cannot be read; export it again.", "file")
    if duration < MIN_SECONDS or duration > MAX_SECONDS:
        raise InvalidInput(
            f"The video runs {duration:.1f} s; ad videos run {MIN_SECONDS:.0f} to "
            f"{MAX_SECONDS:.0f} seconds.",
            "file",
        )
    content_type = "video/quicktime" if brand == b"qt  " else "video/mp4"
    return VideoInfo(content_type=content_type, duration=duration)


def sample_mp4(seconds: float = 15.0, *, padding: int = 0) -> bytes:
    """A minimal, valid-enough MP4 (ftyp + moov/mvhd + mdat) for the demo data and tests."""
    timescale = 1000
    mvhd_body = struct.pack(">B3xIIII", 0, 0, 0, timescale, int(seconds * timescale))
    mvhd_body += b"\x00" * 80  # rate, volume, matrix, next track id: not read here
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp42")
    mdat = struct.pack(">I4s", 8 + padding, b"mdat") + b"\x00" * padding
    return ftyp + moov + mdat
