"""Banner files: checked by their content, stored under random names, found again safely.

Only PNG, JPEG, GIF and WebP are accepted, and only when Pillow, restricted to those four
decoders, recognises and fully decodes the bytes: the file name and the browser's claimed
type count for nothing. SVG (which can carry script) and anything else is refused. The
stored name is random and carries the extension of the detected format.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .errors import ValidationError

# Pillow format name -> (Content-Type, extension)
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = {ext: ctype for ctype, ext in FORMATS.values()}
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.(png|jpg|gif|webp)$")
NOT_AN_IMAGE = "The file is not a PNG, JPEG, GIF or WebP image."


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    extension: str
    width: int
    height: int
    size: int


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def inspect_image(data: bytes, *, max_bytes: int, max_side: int) -> ImageInfo:
    """What the bytes are, or a ``ValidationError`` on the ``file`` field."""
    if not data:
        raise ValidationError("Choose an image file to upload.", field="file")
    if len(data) > max_bytes:
        raise ValidationError(f"The file is larger than {human_size(max_bytes)}.", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                kind = image.format
                width, height = image.size
                if width > max_side or height > max_side:
                    raise ValidationError(
                        f"The image is {width}×{height} pixels; the most is {max_side} on a side.",
                        field="file")
                image.verify()  # structure and checksums
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                image.load()  # and the pixels really decode
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(NOT_AN_IMAGE, field="file") from None
    if kind not in FORMATS or width < 1 or height < 1:
        raise ValidationError(NOT_AN_IMAGE, field="file")
    content_type, extension = FORMATS[kind]
    return ImageInfo(content_type, extension, width, height, len(data))


def store(data: bytes, info: ImageInfo, directory: Path) -> str:
    """Write the file under a new random name; return the name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.{info.extension}"
    temporary = directory / f".{name}.part"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / name)
    return name


def discard(name: str, directory: Path) -> None:
    path = stored_path(name, directory)
    if path is not None:
        path.unlink(missing_ok=True)


def stored_path(name: str | None, directory: Path) -> Path | None:
    """The file for a stored name, or None when the name is not one we hand out."""
    if not name or not STORED_NAME.match(name):
        return None
    return Path(directory) / name
