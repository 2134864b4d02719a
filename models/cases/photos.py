"""Photos of cases: checked by their first bytes and their size, whatever their channel.

A photo is accepted when its magic bytes say JPEG, PNG or WebP (the name and any media type
the sender claims are not trusted) and it is at most :data:`MAX_PHOTO_BYTES`. This is the one
check for every photo a case gets (snap reports, a handler's feedback); the photos themselves
are kept in the database with their case (``case_attachment``), never as files on one
workstation's disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from models.core.errors import ValidationError

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # per photo, for every channel


def sniff_media_type(head: bytes) -> str | None:
    """The media type the first bytes of a file announce, if it is a photo we accept.

    >>> sniff_media_type(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff_media_type(b"GIF89a")
    ('image/png', None)
    >>> sniff_media_type(b"RIFF\\x10\\x00\\x00\\x00WEBPVP8 ")
    'image/webp'
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Photo:
    """A checked photo in memory: its name as sent, its sniffed media type and its bytes."""

    filename: str
    media_type: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def from_bytes(cls, filename: str, data: bytes) -> Photo:
        """Check ``data``; raise ValidationError naming ``filename`` when it is refused."""
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError(_too_big(filename, len(data)), field="photos")
        media = sniff_media_type(data[:16])
        if media is None:
            raise ValidationError(f"photo {filename!r} is not a JPEG, PNG or WebP image",
                                  field="photos")
        return cls(filename, media, data)

    @classmethod
    def read(cls, path: Path) -> Photo:
        """Read and check the photo at ``path`` (a file over the limit is not read at all).

        Raises
        ------
        ValidationError
            The file is missing, unreadable, too big, or not a JPEG, PNG or WebP image.
        """
        try:
            size = path.stat().st_size
            if size > MAX_PHOTO_BYTES:
                raise ValidationError(_too_big(path.name, size), field="photos")
            data = path.read_bytes()
        except FileNotFoundError:
            raise ValidationError(f"photo {path.name!r} is missing", field="photos") from None
        except IsADirectoryError:
            raise ValidationError(f"photo {path.name!r} is a folder", field="photos") from None
        except OSError as exc:
            raise ValidationError(f"photo {path.name!r} cannot be read: {exc.strerror}",
                                  field="photos") from None
        return cls.from_bytes(path.name, data)


def _too_big(filename: str, size: int) -> str:
    return (f"photo {filename!r} is {size / 2**20:.1f} MB ({size:,} bytes); the limit is "
            f"{MAX_PHOTO_BYTES / 2**20:.0f} MB")


__all__ = ["MAX_PHOTO_BYTES", "Photo", "sniff_media_type"]
