"""House photos: checked, shrunk and stripped of their metadata before they are stored.

A phone photo carries EXIF: the camera, the time and often the exact GPS position. entas
keeps the time and position in the `VisitPhoto` record (a reviewer sees where the photo
was taken) and stores an image re-encoded from pixels only, so a served photo never leaks
them. Large photos are scaled down: a cheap phone's 12-megapixel photo becomes a JPEG of a
few hundred kilobytes.
"""

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from entas.verval.exceptions import VervalError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding
JPEG_QUALITY = 80
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes
    width: int
    height: int
    original_bytes: int
    taken_at: dt.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None

    def as_file(self) -> ContentFile:
        return ContentFile(self.content)


def photo_prepare(upload: IO[bytes], *, size: int) -> PreparedPhoto:
    """Read an uploaded photo; raise `VervalError` for anything that is not a usable photo."""
    if size > MAX_UPLOAD_BYTES:
        raise VervalError(
            _("Foto terlalu besar (paling besar %(mb)s MB).") % {"mb": MAX_UPLOAD_BYTES // 2**20},
            code="photo_too_large", field="photos",
        )  # fmt: skip
    if size == 0:
        raise VervalError(_("Berkas foto kosong."), code="photo_empty", field="photos")
    try:
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise VervalError(
                    _("Foto harus berformat JPEG, PNG atau WebP."),
                    code="photo_format",
                    field="photos",
                )
            if image.width * image.height > MAX_PIXELS:
                raise VervalError(
                    _("Ukuran gambar foto terlalu besar."), code="photo_pixels", field="photos"
                )
            exif = image.getexif()
            taken_at = _taken_at(exif)
            latitude, longitude = _position(exif)
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except Image.DecompressionBombError as error:
        raise VervalError(
            _("Ukuran gambar foto terlalu besar."), code="photo_pixels", field="photos"
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise VervalError(
            _("Berkas ini bukan foto yang dapat dibaca."), code="photo_unreadable", field="photos"
        ) from error
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    # Saved from pixels with no exif/icc arguments: the stored file has no metadata.
    upright.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedPhoto(
        content=buffer.getvalue(), width=upright.width, height=upright.height,
        original_bytes=size, taken_at=taken_at, latitude=latitude, longitude=longitude,
    )  # fmt: skip


def _taken_at(exif: Image.Exif) -> dt.datetime | None:
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    text = detail.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(text, str):
        return None
    try:
        naive = dt.datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
    except ValueError:
        return None
    # EXIF time has no zone: a phone writes its local time, the city's time zone.
    return timezone.make_aware(naive)


def _degrees(value: Any, ref: Any) -> Decimal | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if str(ref).upper() in {"S", "W"}:
        result = -result
    return Decimal(f"{result:.6f}")


def _position(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None, None
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if (
        latitude is None
        or longitude is None
        or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        return None, None
    return latitude, longitude
