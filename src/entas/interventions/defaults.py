"""The example catalogue shipped with entas: the city's organisations and programmes.

Read by `services.catalogue.catalogue_load` (command `entas load_programmes`). The files in
`data/` are examples a city edits, not an official list.
"""

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def organization_rows() -> list[dict[str, Any]]:
    return json.loads((DATA / "agencies.json").read_text(encoding="utf-8"))["organizations"]


def programme_rows() -> list[dict[str, Any]]:
    return json.loads((DATA / "programmes.json").read_text(encoding="utf-8"))["programmes"]
