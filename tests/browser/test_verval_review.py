"""A kecamatan coordinator reviews visits on a phone: reads what the officer sent, is told
a return needs a note (and keeps what was typed), returns one visit and approves another.
Real Chromium, live server."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from PIL import ExifTags, Image
from playwright.sync_api import Page, expect
from tests.browser.journeys import NO_HORIZONTAL_OVERFLOW
from tests.browser.test_phone import sign_in
from tests.factories import head_of, members_of
from tests.verval.builders import assigned, kelurahan_officer, visit_input

from entas.verval import choices as c
from entas.verval.models import Visit
from entas.verval.services.photos import photo_prepare
from entas.verval.services.visits import MemberChangeInput, NeedInput, visit_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _house_photo() -> bytes:
    image = Image.new("RGB", (1200, 900), (196, 164, 132))
    image.paste((120, 60, 40), (300, 350, 900, 900))  # a wall and a door, more or less
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {1: "S", 2: (7.0, 3.0, 30.0), 3: "E", 4: (110.0, 26.0, 15.0)}
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def visits(regions, admin_dinsos, settings, tmp_path) -> list[Visit]:
    settings.MEDIA_ROOT = tmp_path / "media"
    psm = kelurahan_officer("psm_meteseh")
    first, second = assigned(
        admin_dinsos, psm, count=2, members=3,
        latitude=Decimal("-7.058000"), longitude=Decimal("110.437000"),
    )  # fmt: skip
    child = members_of(first.household)[2]
    content = _house_photo()
    photo = photo_prepare(io.BytesIO(content), size=len(content))
    data = visit_input(
        latitude=Decimal("-7.058300"), longitude=Decimal("110.437500"), accuracy_m=15,
        member_changes=[
            MemberChangeInput(kind=c.MemberChange.MOVED_OUT, on=dt.date(2025, 1, 18),
                              person_id=child.pk)
        ],
        welfare={"expenditure_per_capita": 320000, "floor_type": "tanah"},
        causes=["phk", "rumah_tidak_layak"],
        needs=[
            NeedInput(kind=c.NeedKind.ASSISTIVE_DEVICE, detail="kursi_roda",
                      person_id=head_of(first.household).pk),
            NeedInput(kind=c.NeedKind.BUSINESS_CAPITAL, note="Warung kelontong"),
        ],
        note="Atap bocor, suami kena PHK Desember.",
    )  # fmt: skip
    returned, _created = visit_submit(actor=psm, assignment=first, data=data, photos=[photo])
    approved, _created = visit_submit(actor=psm, assignment=second, data=visit_input())
    return [returned, approved]


def test_coordinator_reviews_visits_on_a_phone(
    phone: Page, live_server, officer_tembalang, visits, screenshots
):
    to_return, to_approve = visits
    sign_in(phone, live_server, "officer_tembalang")
    phone.goto(live_server.url + "/verval/periksa/")
    expect(phone.locator("#queue-count")).to_have_text("2 kunjungan menunggu pemeriksaan")
    head = head_of(to_return.household).full_name
    phone.locator(f'a[href="/verval/periksa/{to_return.pk}/"]').click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(head)
    expect(phone.locator("#photos img")).to_have_count(1)
    expect(phone.locator("#gps")).to_contain_text("m")
    expect(phone.locator("#needs")).to_contain_text("Kursi roda")
    assert phone.evaluate(NO_HORIZONTAL_OVERFLOW)
    assert phone.locator("#photos img").evaluate("img => img.naturalWidth") > 0
    phone.screenshot(path=screenshots / "verval-review-visit.png", full_page=True)

    phone.get_by_role("button", name="Kembalikan").click()
    expect(phone.locator("#note-error")).to_have_text("Tuliskan apa yang perlu diperbaiki petugas.")
    note = phone.get_by_label("Catatan pemeriksa")
    note.fill("Foto bagian dalam rumah")
    phone.get_by_role("button", name="Kembalikan").click()
    expect(phone).to_have_url(live_server.url + "/verval/periksa/")
    expect(phone.locator(".messages")).to_contain_text(f"Kunjungan keluarga {head} dikembalikan")

    phone.locator(f'a[href="/verval/periksa/{to_approve.pk}/"]').click()
    phone.get_by_label("Catatan pemeriksa").fill("Sesuai")
    phone.get_by_role("button", name="Setujui").click()
    approved_head = head_of(to_approve.household).full_name
    expect(phone.locator(".messages")).to_contain_text(
        f"Kunjungan keluarga {approved_head} disetujui."
    )
    expect(phone.locator("#queue-count")).to_have_text("0 kunjungan menunggu pemeriksaan")
    statuses = dict(Visit.objects.values_list("pk", "status"))
    assert statuses == {to_return.pk: c.VisitStatus.RETURNED, to_approve.pk: c.VisitStatus.APPROVED}
    assert Visit.objects.get(pk=to_return.pk).review_note == "Foto bagian dalam rumah"
