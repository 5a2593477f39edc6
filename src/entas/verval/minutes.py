"""The berita acara of a kelurahan's verval meeting as a PDF, with its BNBA attachment.

`minutes_pdf` builds the document from plain data (`Minutes`), so it can be tested
without a request. It uses fpdf2's core fonts (Helvetica), which hold Latin-1 only: every
text goes through `pdf_text`, which turns typographic marks into their plain twins, drops
accents it cannot keep and writes "?" for the rest, so a name in another script never
stops the document. Text is in Bahasa Indonesia through gettext; the view renders an
official document in Indonesian whatever the interface language.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from entas.verval import choices as c

FONT = "Helvetica"
MARGIN = 15  # mm
LINE = 5.5  # mm per line of body text
SIGNATURE_SPACE = 20  # mm left blank above a name for the signature and stamp
BLANK_NAME = "(" + "." * 40 + ")"
PLAIN = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"',
        "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u2022": "-",
        "\u00a0": " ", "\u2009": " ", "\u200b": "",
    }
)  # fmt: skip
BNBA_WIDTHS = (8, 28, 34, 35, 14, 24, 17, 20)  # mm; the 180 between A4 margins


def pdf_text(value: object) -> str:
    """`value` as text the core fonts can draw (Latin-1), never raising."""
    text = unicodedata.normalize("NFKC", str(value)).translate(PLAIN)
    kept = []
    for char in text:
        if ord(char) < 256:
            kept.append(char)
            continue
        base = "".join(
            part
            for part in unicodedata.normalize("NFKD", char)
            if ord(part) < 256 and not unicodedata.combining(part)
        )
        kept.append(base or "?")
    return "".join(kept)


@dataclass(frozen=True)
class Signer:
    title: str
    name: str = ""


@dataclass(frozen=True)
class MinutesFamily:
    kk_number: str
    head_name: str
    address: str
    rt: str
    rw: str
    members: int
    result: str  # the approved outcome, or the assignment's status while not approved
    approved_on: dt.date | None
    officer_name: str


@dataclass(frozen=True)
class Minutes:
    """What a berita acara says. `outcomes` are (label, families) of approved visits;
    `waiting`, `returned` and `not_visited` count families without an approved result."""

    government: str  # "PEMERINTAH KOTA SEMARANG"
    kelurahan: str
    kecamatan: str
    campaign: str
    period: str
    meeting_date: dt.date
    place: str
    outcomes: list[tuple[str, int]]
    waiting: int
    returned: int
    not_visited: int
    signers: list[Signer]
    families: list[MinutesFamily] = field(default_factory=list)
    printed_at: dt.datetime | None = None

    @property
    def total(self) -> int:
        return sum(count for _label, count in self.outcomes) + self.unfinished

    @property
    def unfinished(self) -> int:
        return self.waiting + self.returned + self.not_visited


def government_title(region_name: str, kind: str) -> str:
    """ "PEMERINTAH KOTA SEMARANG" from the deployment's region ("Kota Semarang", kota);
    a kabupaten says PEMERINTAH KABUPATEN."""
    prefix = "KABUPATEN" if kind == "kabupaten" else "KOTA"
    name = region_name.upper()
    if not name.startswith(("KOTA ", "KABUPATEN ")):
        name = f"{prefix} {name}"
    return f"PEMERINTAH {name}"


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_title = pdf_text(title)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, size=8)
        page = _("Halaman %(page)s dari %(pages)s") % {
            "page": self.page_no(),
            "pages": self.str_alias_nb_pages,
        }
        self.cell(0, 5, self.footer_title, align="L")
        self.set_x(MARGIN)
        self.cell(0, 5, pdf_text(page), align="R")

    def line_of(self, text: str, *, size: float = 11, style: str = "", align: str = "L") -> None:
        self.set_font(FONT, style=style, size=size)
        self.multi_cell(0, LINE, pdf_text(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _date(value: dt.date) -> str:
    return formats.date_format(value, "l, j F Y")


def minutes_pdf(minutes: Minutes, *, compress: bool = True) -> bytes:
    """The berita acara and its attachment as PDF bytes (A4 portrait). `compress=False`
    writes plain streams, so tests can read the text in the bytes."""
    pdf = _Document(_("Berita acara verval kelurahan %(name)s") % {"name": minutes.kelurahan})
    pdf.set_compression(compress)
    pdf.set_title(
        pdf_text(_("Berita Acara Musyawarah Kelurahan %(name)s") % {"name": minutes.kelurahan})
    )
    pdf.set_creator("entas")
    if minutes.printed_at is not None:
        pdf.set_creation_date(minutes.printed_at)
    pdf.add_page()
    _header(pdf, minutes)
    _opening(pdf, minutes)
    _summary(pdf, minutes)
    _signatures(pdf, minutes)
    _attachment(pdf, minutes)
    return bytes(pdf.output())


def _header(pdf: _Document, minutes: Minutes) -> None:
    pdf.line_of(minutes.government, size=13, style="B", align="C")
    pdf.line_of(_("DINAS SOSIAL"), size=13, style="B", align="C")
    y = pdf.get_y() + 1
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, y, pdf.w - MARGIN, y)
    pdf.set_line_width(0.2)
    pdf.ln(5)
    pdf.line_of(_("BERITA ACARA MUSYAWARAH KELURAHAN"), size=12, style="B", align="C")
    pdf.line_of(
        _("Verifikasi dan Validasi Data Keluarga Miskin Ekstrem"), size=11, style="B", align="C"
    )
    pdf.ln(4)
    facts = [
        (_("Kelurahan"), minutes.kelurahan),
        (_("Kecamatan"), minutes.kecamatan),
        (_("Kampanye verval"), minutes.campaign),
        (_("Periode data"), minutes.period or "-"),
        (_("Hari, tanggal"), _date(minutes.meeting_date)),
        (_("Tempat"), minutes.place),
    ]
    pdf.set_font(FONT, size=11)
    for label, value in facts:
        pdf.cell(40, LINE, pdf_text(label))
        pdf.cell(4, LINE, ":")
        pdf.multi_cell(0, LINE, pdf_text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _opening(pdf: _Document, minutes: Minutes) -> None:
    pdf.line_of(
        _(
            "Pada hari ini, %(date)s, bertempat di %(place)s, telah dilaksanakan musyawarah "
            "kelurahan %(kelurahan)s, kecamatan %(kecamatan)s, untuk membahas hasil verifikasi "
            "dan validasi (verval) data keluarga miskin ekstrem pada %(campaign)s. Musyawarah "
            "menyepakati hasil verval yang telah diperiksa sebagaimana tercantum dalam tabel "
            "di bawah ini dan dalam Lampiran: Daftar Nama dan Alamat (BNBA)."
        )
        % {
            "date": _date(minutes.meeting_date),
            "place": minutes.place,
            "kelurahan": minutes.kelurahan,
            "kecamatan": minutes.kecamatan,
            "campaign": minutes.campaign,
        },
        align="J",
    )
    pdf.ln(2)
    if minutes.unfinished:
        pdf.line_of(
            _(
                "Verval di kelurahan ini BELUM SELESAI: %(unfinished)s dari %(total)s keluarga "
                "belum mempunyai hasil yang disetujui (%(not_visited)s belum dikunjungi, "
                "%(waiting)s menunggu pemeriksaan, %(returned)s dikembalikan untuk diperbaiki). "
                "Keluarga tersebut belum termasuk dalam kesepakatan ini."
            )
            % {
                "unfinished": minutes.unfinished,
                "total": minutes.total,
                "not_visited": minutes.not_visited,
                "waiting": minutes.waiting,
                "returned": minutes.returned,
            },
            style="B",
            align="J",
        )
    else:
        pdf.line_of(
            _(
                "Seluruh %(total)s keluarga dalam kampanye ini telah dikunjungi dan "
                "hasilnya disetujui."
            )
            % {"total": minutes.total},
            align="J",
        )
    pdf.ln(3)


def _summary(pdf: _Document, minutes: Minutes) -> None:
    rows = [(label, count) for label, count in minutes.outcomes]
    rows += [
        (_("Menunggu pemeriksaan (belum disepakati)"), minutes.waiting),
        (_("Dikembalikan untuk diperbaiki (belum disepakati)"), minutes.returned),
        (_("Belum dikunjungi (belum disepakati)"), minutes.not_visited),
    ]
    pdf.set_font(FONT, size=10)
    with pdf.table(
        col_widths=(140, 40), text_align=("LEFT", "RIGHT"), line_height=LINE, width=180
    ) as table:
        head = table.row()
        head.cell(pdf_text(_("Hasil verval")))
        head.cell(pdf_text(_("Jumlah keluarga")))
        for label, count in rows:
            row = table.row()
            row.cell(pdf_text(label))
            row.cell(str(count))
        last = table.row(style=FontFace(emphasis="BOLD"))
        last.cell(pdf_text(_("Jumlah keluarga dalam kampanye")))
        last.cell(str(minutes.total))
    pdf.ln(4)
    pdf.line_of(
        _("Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya."), size=11
    )
    pdf.ln(4)


def _signatures(pdf: _Document, minutes: Minutes) -> None:
    """Two rows of two blocks: title, room to sign, then the name (or a dotted line)."""
    width = (pdf.w - 2 * MARGIN) / 2
    block = LINE * 2 + SIGNATURE_SPACE + LINE
    for start in range(0, len(minutes.signers), 2):
        pair = minutes.signers[start : start + 2]
        if pdf.get_y() + block > pdf.h - MARGIN - 10:
            pdf.add_page()
        top = pdf.get_y()
        for index, signer in enumerate(pair):
            x = MARGIN + index * width
            pdf.set_xy(x, top)
            pdf.set_font(FONT, size=10)
            pdf.multi_cell(width, LINE, pdf_text(signer.title), align="C")
            pdf.set_xy(x, top + LINE * 2 + SIGNATURE_SPACE)
            pdf.set_font(FONT, style="BU" if signer.name else "", size=10)
            name = signer.name.strip() or BLANK_NAME
            pdf.multi_cell(width, LINE, pdf_text(name), align="C")
        pdf.set_xy(MARGIN, top + block + 4)


def _attachment(pdf: _Document, minutes: Minutes) -> None:
    pdf.add_page()
    pdf.line_of(_("Lampiran: Daftar Nama dan Alamat (BNBA)"), size=12, style="B")
    pdf.line_of(
        _("Kelurahan %(kelurahan)s, Kecamatan %(kecamatan)s · %(campaign)s")
        % {
            "kelurahan": minutes.kelurahan,
            "kecamatan": minutes.kecamatan,
            "campaign": minutes.campaign,
        },
        size=9,
    )
    pdf.ln(2)
    headings = [
        _("No."),
        _("No. KK"),
        _("Kepala keluarga"),
        _("Alamat, RT/RW"),
        _("Anggota"),
        _("Hasil verval"),
        _("Disetujui"),
        _("Petugas"),
    ]
    pdf.set_font(FONT, size=7.5)
    with pdf.table(
        col_widths=BNBA_WIDTHS,
        width=sum(BNBA_WIDTHS),
        line_height=3.8,
        repeat_headings=1,
        text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "LEFT"),
    ) as table:
        head = table.row()
        for heading in headings:
            head.cell(pdf_text(heading))
        for number, family in enumerate(minutes.families, start=1):
            row = table.row()
            for value in _family_cells(number, family):
                row.cell(pdf_text(value))
    if not minutes.families:
        pdf.line_of(_("Tidak ada keluarga."), size=10)


def _family_cells(number: int, family: MinutesFamily) -> list[str]:
    place = family.address
    if family.rt or family.rw:
        place = f"{place} RT {family.rt or '-'}/RW {family.rw or '-'}".strip()
    return [
        str(number),
        family.kk_number or "-",
        family.head_name or "-",
        place or "-",
        str(family.members),
        family.result,
        family.approved_on.strftime("%d-%m-%Y") if family.approved_on else "-",
        family.officer_name or "-",
    ]


def family_result(outcome_label: str, status: str, status_label: str) -> str:
    """What the attachment says of a family: its approved outcome, or why there is none."""
    if status == c.AssignmentStatus.APPROVED and outcome_label:
        return outcome_label
    return status_label


def local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None
