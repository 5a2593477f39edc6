"""`entas linkage registry`: deduplicate the registry now (without the worker), recording
the candidate pairs for review; optionally merge the surest automatically."""

import argparse
import json
from typing import Any, TextIO

from entas.linkage.choices import RunKind
from entas.linkage.models import MatchRun
from entas.linkage.services import dedupe_registry

HELP = "Deduplikasi registri: pasangan kandidat masuk antrian tinjauan."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threshold", type=float, help="peluang minimum untuk ditinjau")
    parser.add_argument(
        "--auto-merge",
        action="store_true",
        help="gabungkan otomatis pasangan di atas ENTAS_LINKAGE_AUTO_MERGE",
    )


def run(options: dict[str, Any], stdout: TextIO) -> int:
    run = MatchRun.objects.create(
        kind=RunKind.DEDUPE,
        params={"threshold": options["threshold"], "auto": options["auto_merge"]},
    )
    run = dedupe_registry(run)
    stdout.write(json.dumps({"run": run.pk, **run.summary}) + "\n")
    return 0
