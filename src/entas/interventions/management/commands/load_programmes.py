"""`entas load_programmes`: load the example organisations (OPDs, partners) and programme
catalogue from `interventions/data/`, creating or updating by code. Safe to run again.

Exit status 0, or 2 when a programme in the files is refused (the message says why).
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from entas.interventions.services.catalogue import CatalogueError, catalogue_load


class Command(BaseCommand):
    help = "Muat contoh OPD, mitra dan katalog program (idempoten, menurut kode)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = catalogue_load(actor=None)
        except CatalogueError as error:
            raise CommandError(error.message, returncode=2) from error
        self.stdout.write(json.dumps(counts))
