"""The berita acara PDF: built from plain data (pure) and from a campaign (selectors).

PDFs are written uncompressed here, so the text drawn on each page can be read back from
the bytes (`drawn_text`): each `(...) Tj` string of a text block, joined.
"""

import datetime as dt
import re

import pytest
from tests.factories import head_of

from entas.verval import selectors_progress
from entas.verval.minutes import (
    Minutes,
    MinutesFamily,
    Signer,
    government_title,
    minutes_pdf,
    pdf_text,
)
from entas.wilayah.models import Region

from .builders import KELURAHAN as METESEH
from .test_progress import City, build_city

SIGNERS = [
    Signer("Lurah Meteseh"),
    Signer("Ketua LPMK Meteseh", "Budi Santoso"),
    Signer("Petugas verval / TKSK"),
    Signer("Perwakilan Dinas Sosial Kota Semarang"),
]


def family(name: str, *, kk: str = "3374100101150001") -> MinutesFamily:
    return MinutesFamily(
        kk_number=kk, head_name=name, address="Jl. Mawar 5", rt="001", rw="002", members=3,
        result="Ditemukan dan masih layak", approved_on=dt.date(2025, 1, 21),
        officer_name="Psm Meteseh",
    )  # fmt: skip


def minutes(families: list[MinutesFamily], **fields) -> Minutes:
    values = {
        "government": "PEMERINTAH KOTA SEMARANG",
        "kelurahan": "Meteseh",
        "kecamatan": "Tembalang",
        "campaign": "Verval Januari 2025",
        "period": "Januari 2025",
        "meeting_date": dt.date(2025, 2, 3),
        "place": "Balai Kelurahan Meteseh",
        "outcomes": [("Ditemukan dan masih layak", len(families))],
        "waiting": 0,
        "returned": 0,
        "not_visited": 0,
        "signers": SIGNERS,
        "families": families,
    }
    values.update(fields)
    return Minutes(**values)


def drawn_text(content: bytes) -> str:
    lines = []
    for block in re.findall(rb"BT(.*?)ET", content, re.S):
        parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", block)
        text = b"".join(parts)
        text = re.sub(rb"\\([()\\])", rb"\1", text)
        lines.append(text.decode("latin-1"))
    return "\n".join(lines)


def page_count(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", content))


def test_pdf_has_the_header_the_kelurahan_and_the_signature_titles():
    content = minutes_pdf(minutes([family("Slamet Riyadi")]), compress=False)
    text = drawn_text(content)
    assert content.startswith(b"%PDF")
    for expected in (
        "PEMERINTAH KOTA SEMARANG",
        "DINAS SOSIAL",
        "BERITA ACARA MUSYAWARAH KELURAHAN",
        "Verifikasi dan Validasi Data Keluarga Miskin Ekstrem",
        "Meteseh",
        "Tembalang",
        "Verval Januari 2025",
        "Senin, 3 Februari 2025",
        "Balai Kelurahan Meteseh",
        "Lurah Meteseh",
        "Ketua LPMK Meteseh",
        "Petugas verval / TKSK",
        "Perwakilan Dinas Sosial Kota Semarang",
        "Budi Santoso",
        "Lampiran: Daftar Nama dan Alamat (BNBA)",
        "Slamet Riyadi",
        "Halaman 1 dari 2",
        "Halaman 2 dari 2",
    ):
        assert expected in text, expected
    # Three blocks have no name: a dotted line to write it by hand.
    assert text.count("(" + "." * 40 + ")") == 3


def test_complete_minutes_say_so_and_incomplete_minutes_say_what_is_missing():
    done = drawn_text(minutes_pdf(minutes([family("A")]), compress=False))
    assert "Seluruh 1 keluarga dalam kampanye ini telah dikunjungi" in done
    assert "BELUM SELESAI" not in done
    unfinished = minutes([family("A")], waiting=2, returned=1, not_visited=4)
    text = drawn_text(minutes_pdf(unfinished, compress=False)).replace("\n", " ")
    assert "BELUM SELESAI" in text
    assert "7 dari 8 keluarga" in text
    assert "4 belum dikunjungi" in text


def test_every_family_is_listed_and_pages_grow_with_many_families():
    few = minutes_pdf(minutes([family("Keluarga 1")]), compress=False)
    names = [f"Kepala Keluarga {number:03d}" for number in range(120)]
    many = minutes_pdf(minutes([family(name) for name in names]), compress=False)
    text = drawn_text(many)
    assert all(name in text for name in names)
    assert page_count(few) == 2
    assert page_count(many) >= 5
    assert f"Halaman {page_count(many)} dari {page_count(many)}" in text


def test_a_masked_kk_is_printed_masked():
    content = minutes_pdf(minutes([family("Siti", kk="3374********0001")]), compress=False)
    text = drawn_text(content)
    assert "3374********0001" in text
    assert "3374100101150001" not in text


def test_text_outside_latin1_does_not_stop_the_document():
    names = ["Nguyễn Thị Hoa", "王小明", "Siti “Ani” — Aminah", "Ægir Øst"]
    content = minutes_pdf(
        minutes([family(name) for name in names], place="Balai RW 03 – Meteseh"), compress=False
    )
    text = drawn_text(content)
    assert "Nguyen Thi Hoa" in text
    assert "???" in text
    assert 'Siti "Ani" - Aminah' in text
    assert "Ægir Øst" in text  # Latin-1 letters are kept
    assert "Balai RW 03 - Meteseh" in text


def test_compressed_by_default():
    assert b"/FlateDecode" in minutes_pdf(minutes([family("A")]))


def test_pdf_text_keeps_latin1_and_replaces_the_rest():
    assert pdf_text("Sutrisno") == "Sutrisno"
    assert pdf_text("Ñoño") == "Ñoño"
    assert pdf_text("Đặng") == "?ang"
    assert pdf_text("ﬁ") == "fi"


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Kota Semarang", "kota", "PEMERINTAH KOTA SEMARANG"),
        ("Kabupaten Semarang", "kabupaten", "PEMERINTAH KABUPATEN SEMARANG"),
        ("Semarang", "kabupaten", "PEMERINTAH KABUPATEN SEMARANG"),
    ],
)
def test_government_title(name, kind, expected):
    assert government_title(name, kind) == expected


@pytest.fixture
def city(admin_dinsos, officer_tembalang, officer_tugu) -> City:
    return build_city(admin_dinsos, officer_tembalang, officer_tugu)


@pytest.mark.django_db
def test_minutes_of_a_kelurahan_from_the_campaign(city, admin_dinsos):
    kelurahan = Region.objects.get(code=METESEH)
    document = selectors_progress.kelurahan_minutes(
        campaign=city.campaign, user=admin_dinsos, kelurahan=kelurahan,
        meeting_date=dt.date(2025, 2, 3), place="Balai Kelurahan",
        signers=[(s.title, s.name) for s in SIGNERS],
    )  # fmt: skip
    assert document.government == "PEMERINTAH KOTA SEMARANG"
    assert (document.kelurahan, document.kecamatan) == ("Meteseh", "Tembalang")
    assert dict(document.outcomes)["Ditemukan dan masih layak"] == 1
    assert dict(document.outcomes)["Sudah mampu"] == 1
    assert (document.waiting, document.returned, document.not_visited) == (1, 1, 1)
    assert document.total == 5
    assert [f.result for f in document.families] == [
        "Ditemukan dan masih layak",
        "Sudah mampu",
        "Dikembalikan untuk diperbaiki",
        "Menunggu pemeriksaan",
        "Belum dikunjungi",
    ]
    text = drawn_text(minutes_pdf(document, compress=False))
    for household in city.meteseh.values():
        assert head_of(household).full_name in text
        assert household.kk_number in text  # admins see No. KK in full
