"""House photos: the time and place of a photo are kept in the record, never in the file
that is stored and served; big photos are shrunk, anything else refused."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from entas.verval.exceptions import VervalError
from entas.verval.services.photos import MAX_SIDE, MAX_UPLOAD_BYTES, photo_prepare
from entas.verval.services.visits import visit_submit

from .builders import assigned, kelurahan_officer, visit_input

# 7°03'30" S, 110°26'15" E: Tembalang, Semarang
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "S",
    ExifTags.GPS.GPSLatitude: (7.0, 3.0, 30.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (110.0, 26.0, 15.0),
}
TAKEN = "2025:01:20 09:15:00"


def _photo(
    size: tuple[int, int] = (800, 600),
    *,
    image_format: str = "JPEG",
    orientation: int | None = None,
    with_metadata: bool = True,
) -> bytes:
    image = Image.new("RGB", size, (180, 90, 30))
    image.paste((20, 40, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows rotation
    exif = Image.Exif()
    if with_metadata:
        exif[ExifTags.Base.Make] = "MerekHP"
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = TAKEN
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif)
    return buffer.getvalue()


def _prepare(content: bytes):
    return photo_prepare(io.BytesIO(content), size=len(content))


def _has_no_metadata(content: bytes) -> None:
    stored = Image.open(io.BytesIO(content))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in stored.info
    assert b"MerekHP" not in content


def test_time_and_position_kept_in_the_result_not_in_the_file():
    prepared = _prepare(_photo())
    assert (prepared.latitude, prepared.longitude) == (Decimal("-7.058333"), Decimal("110.437500"))
    assert timezone.localtime(prepared.taken_at).strftime("%Y-%m-%d %H:%M:%S") == (
        "2025-01-20 09:15:00"
    )
    assert (prepared.width, prepared.height) == (800, 600)
    _has_no_metadata(prepared.content)


def test_photo_without_metadata_has_no_time_or_position():
    prepared = _prepare(_photo(with_metadata=False))
    assert (prepared.taken_at, prepared.latitude, prepared.longitude) == (None, None, None)


def test_big_photo_is_scaled_down_keeping_its_shape():
    original = _photo((4000, 3000))
    prepared = _prepare(original)
    assert (prepared.width, prepared.height) == (MAX_SIDE, 1200)
    assert Image.open(io.BytesIO(prepared.content)).size == (MAX_SIDE, 1200)
    assert prepared.original_bytes == len(original)
    _has_no_metadata(prepared.content)


def test_orientation_is_applied_to_the_pixels():
    # Orientation 6: the camera held sideways; shown upright the picture is 600 wide, 800 tall.
    prepared = _prepare(_photo((800, 600), orientation=6))
    assert (prepared.width, prepared.height) == (600, 800)
    upright = Image.open(io.BytesIO(prepared.content)).convert("RGB")
    top, bottom = upright.getpixel((300, 5)), upright.getpixel((300, 795))
    assert top[2] > 150  # the blue left half is now on top (rotated 90° clockwise)
    assert bottom[0] > 150
    _has_no_metadata(prepared.content)


def test_png_is_accepted_and_stored_as_jpeg():
    prepared = _prepare(_photo((300, 200), image_format="PNG", with_metadata=False))
    assert (prepared.width, prepared.height) == (300, 200)
    assert Image.open(io.BytesIO(prepared.content)).format == "JPEG"


def test_too_large_upload_refused_before_reading():
    with pytest.raises(VervalError) as caught:
        photo_prepare(io.BytesIO(b""), size=MAX_UPLOAD_BYTES + 1)
    assert (caught.value.code, caught.value.message) == (
        "photo_too_large", "Foto terlalu besar (paling besar 10 MB).",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "photo_empty"),
        (b"%PDF-1.4 bukan foto", "photo_unreadable"),
        (_photo((40, 30))[:200], "photo_unreadable"),
    ],
)
def test_non_image_refused(content, code):
    with pytest.raises(VervalError) as caught:
        photo_prepare(io.BytesIO(content), size=len(content))
    assert caught.value.code == code
    assert caught.value.field == "photos"


@pytest.mark.parametrize("size", [(9000, 6000), (14000, 13000)])
def test_too_many_pixels_refused_before_decoding(size):
    # A few kilobytes of PNG that would take hundreds of megabytes to decode; the larger
    # one trips Pillow's own decompression-bomb guard, which must become a clear message.
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    with pytest.raises(VervalError) as caught:
        _prepare(buffer.getvalue())
    assert (caught.value.code, caught.value.message) == (
        "photo_pixels", "Ukuran gambar foto terlalu besar.",
    )  # fmt: skip


def test_other_image_format_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="GIF")
    with pytest.raises(VervalError) as caught:
        _prepare(buffer.getvalue())
    assert caught.value.message == "Foto harus berformat JPEG, PNG atau WebP."


@pytest.mark.django_db
def test_served_photo_has_no_position_but_the_record_has(
    admin_dinsos, officer_tembalang, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    psm = kelurahan_officer("psm_meteseh")
    (assignment,) = assigned(admin_dinsos, psm)
    visit, _created = visit_submit(
        actor=psm, assignment=assignment, data=visit_input(), photos=[_prepare(_photo())]
    )
    photo = visit.photos.get()
    assert (photo.latitude, photo.longitude) == (Decimal("-7.058333"), Decimal("110.437500"))
    assert photo.taken_at is not None
    response = client_for(officer_tembalang).get(reverse("verval:visit_photo", args=[photo.pk]))
    assert response.status_code == 200
    _has_no_metadata(response.content)
    assert (photo.width, photo.height, photo.size_bytes) == (800, 600, len(response.content))
