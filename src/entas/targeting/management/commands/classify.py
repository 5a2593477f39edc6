"""`entas classify --period P`: classify every household for a period and print a summary.

The period is created when it does not exist: from `--from/--to/--name`, or from its code
(``2025-01`` a month, ``2025-Q2`` a quarter, ``2025`` a year). `--freeze` freezes it
afterwards; `--compare Q` prints who entered and left since period Q.

`entas classify --files a.parquet [b.parquet …] --out result.parquet --on 2025-01-31`
classifies households read from files with DuckDB instead (a national-size run); the
files carry the columns listed in `entas.targeting.engine.INPUT_COLUMNS`.

Exit status 0, or 2 when the request cannot be carried out (the message says why).
"""

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from entas.targeting import calendar, engine, explain, selectors, services
from entas.targeting import choices as c
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import Classification, Period
from entas.targeting.parameters import rules_from, weights_from


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Klasifikasi keluarga untuk satu periode (ekstrem/miskin/rentan/tidak miskin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="kode periode, mis. 2025-01 atau 2025-Q2")
        parser.add_argument("--name", default="", help="nama periode bila dibuat baru")
        parser.add_argument("--from", dest="starts_on", type=_date, help="tanggal mulai")
        parser.add_argument("--to", dest="ends_on", type=_date, help="tanggal acuan (akhir)")
        parser.add_argument("--freeze", action="store_true", help="bekukan sesudahnya")
        parser.add_argument("--compare", metavar="PERIODE", help="bandingkan dengan periode ini")
        parser.add_argument("--files", nargs="+", type=Path, help="berkas Parquet masukan")
        parser.add_argument("--out", type=Path, help="berkas Parquet hasil (dengan --files)")
        parser.add_argument("--on", type=_date, help="tanggal acuan garis (dengan --files)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["files"]:
                self._files(options)
            elif options["period"]:
                self._period(options)
            else:
                raise TargetingError(_("Sebutkan --period KODE, atau --files dan --out."))
        except TargetingError as error:
            raise CommandError(error.message, returncode=2) from error

    def _period(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        with transaction.atomic():  # a new period that cannot be classified is not kept
            period = _period_for(options)
            counts = services.period_classify(actor=None, period=period)
        seconds = time.perf_counter() - started
        self._summary(period, counts, seconds)
        if options["compare"]:
            self._comparison(selectors.period_get(options["compare"]), period)
        if options["freeze"]:
            services.period_freeze(actor=None, period=period)
            self.stdout.write(_("Periode dibekukan."))

    def _summary(self, period: Period, counts: dict[str, int], seconds: float) -> None:
        assert period.rules is not None
        assert period.score_model is not None
        assert period.extreme_line is not None
        assert period.poverty_line is not None
        write = self.stdout.write
        write(f"{period.name} ({period.starts_on} – {period.ends_on})")
        write(_("Aturan: %(rules)s; bobot skor: %(score)s") % {
            "rules": period.rules, "score": period.score_model,
        })  # fmt: skip
        write(explain.line_label(period.extreme_line))
        write(explain.line_label(period.poverty_line))
        for status in c.Status:
            write(f"  {status.label:<22} {_number(counts[status]):>10}")
        candidates = Classification.objects.filter(period=period, is_candidate=True).count()
        summary = period.summary
        write(_("Kandidat verval: %(n)s") % {"n": _number(candidates)})
        write(_("Graduasi baru: %(g)s; peringatan baru: %(a)s") % {
            "g": summary.get("graduated", 0), "a": summary.get("alerts", 0),
        })  # fmt: skip
        write(_("Selesai dalam %(s).1f detik.") % {"s": seconds})

    def _comparison(self, first: Period, second: Period) -> None:
        result = selectors.period_compare(first=first, second=second)
        total = result.total
        self.stdout.write(
            _(
                "%(a)s → %(b)s: masuk %(entered)s, kembali %(back)s, keluar %(left)s, "
                "tetap %(stayed)s"
            )
            % {
                "a": result.first.name, "b": result.second.name, "entered": total.entered,
                "back": total.came_back, "left": total.left, "stayed": total.stayed,
            }
        )  # fmt: skip
        for area in result.kecamatan:
            self.stdout.write(
                f"  {area.name:<22} +{area.entered:<5} ↺{area.came_back:<5}"
                f" -{area.left:<5} ={area.stayed}"
            )

    def _files(self, options: dict[str, Any]) -> None:
        missing = [path for path in options["files"] if not path.is_file()]
        if missing:
            raise TargetingError(_("Berkas %(name)s tidak ditemukan.") % {"name": missing[0]})
        if options["out"] is None or options["on"] is None:
            raise TargetingError(_("Dengan --files, sebutkan juga --out dan --on."))
        rules = rules_from(selectors.rules_active().parameters)
        weights = weights_from(selectors.score_model_active().parameters)
        extreme = selectors.line_in_force(choice=rules.extreme_line, on=options["on"])
        poverty = selectors.line_in_force(choice=rules.poverty_line, on=options["on"])
        lines = engine.Lines(extreme=extreme.monthly_amount, poverty=poverty.monthly_amount)
        started = time.perf_counter()
        try:
            rows = engine.classify_files(
                options["files"], options["out"], rules=rules, lines=lines, weights=weights
            )
        except engine.FileInputError as error:
            raise TargetingError(str(error)) from error
        seconds = time.perf_counter() - started
        self.stdout.write(explain.line_label(extreme))
        self.stdout.write(explain.line_label(poverty))
        self.stdout.write(
            _("%(rows)s keluarga diklasifikasi dalam %(s).1f detik → %(out)s")
            % {"rows": _number(rows), "s": seconds, "out": options["out"]}
        )


def _period_for(options: dict[str, Any]) -> Period:
    code = options["period"]
    existing = Period.objects.filter(code=code).first()
    if existing is not None:
        return existing
    derived = calendar.period_from_code(code)
    starts_on = options["starts_on"] or (derived[1] if derived else None)
    ends_on = options["ends_on"] or (derived[2] if derived else None)
    if starts_on is None or ends_on is None:
        raise TargetingError(
            _(
                "Periode “%(code)s” belum ada. Buat dengan --from dan --to, atau pakai kode "
                "bulan (2025-01), triwulan (2025-Q2) atau tahun (2025)."
            )
            % {"code": code}
        )
    name = options["name"] or (derived[0] if derived else code)
    return services.period_create(
        actor=None, code=code, name=name, starts_on=starts_on, ends_on=ends_on
    )
