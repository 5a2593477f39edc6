"""`entas linkage <dedupe|train|registry|match> ...`: record linkage from the shell.

Each subcommand lives in its own module under `entas.linkage.commands`, which declares
`HELP`, `add_arguments(parser)` and `run(options, stdout) -> int` (the exit status).
"""

import importlib
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from entas.linkage.preparing import LinkageInputError

SUBCOMMANDS = ("dedupe", "train", "registry", "match")


class Command(BaseCommand):
    help = "Pencocokan catatan: deduplikasi, pelatihan model, laporan warga, rekonsiliasi."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name in SUBCOMMANDS:
            module = importlib.import_module(f"entas.linkage.commands.{name}")
            module.add_arguments(sub.add_parser(name, help=module.HELP))

    def handle(self, *args: Any, **options: Any) -> None:
        module = importlib.import_module(f"entas.linkage.commands.{options['subcommand']}")
        try:
            status = module.run(options, self.stdout)
        except LinkageInputError as error:
            raise CommandError(str(error), returncode=2) from error
        if status:
            sys.exit(status)
