"""A synthetic city written once per test session, read by the file tests."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from entas.synth.services import synthetic_files_write

SEED = 2025
HOUSEHOLDS = 8000  # enough for the published extreme-poor group (1,024 KK / 5,519 jiwa)


@dataclass(frozen=True)
class CityFiles:
    folder: Path
    manifest: dict[str, Any]

    def rows(self, name: str) -> list[dict[str, str]]:
        with (self.folder / name).open(encoding="utf-8", newline="") as file:
            return list(csv.DictReader(file))


@pytest.fixture(scope="session")
def city_files(tmp_path_factory, django_db_setup, django_db_blocker) -> CityFiles:
    folder = tmp_path_factory.mktemp("city")
    with django_db_blocker.unblock():
        synthetic_files_write(households=HOUSEHOLDS, seed=SEED, out_dir=folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return CityFiles(folder=folder, manifest=manifest)
