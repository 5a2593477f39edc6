"""`entas linkage train`: estimate the model from a persons file (or the registry) and
save it: as a JSON file, or as the registry's next model version."""

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from entas.linkage import engine, preparing

HELP = "Latih model pencocokan dari data itu sendiri."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path, help="persons.csv")
    source.add_argument("--registry", action="store_true", help="latih pada registri")
    parser.add_argument("--output", type=Path, help="model.json (dengan --input)")
    parser.add_argument("--seed", type=int, default=1)


def run(options: dict[str, Any], stdout: TextIO) -> int:
    if options["registry"]:
        from entas.linkage.services import model_train

        saved = model_train(actor=None)
        stdout.write(json.dumps({"version": saved.version, "records": saved.record_count}) + "\n")
        return 0
    if not options["output"]:
        raise preparing.LinkageInputError("--output wajib dengan --input.")
    records = preparing.prepare(preparing.read_persons(options["input"]))
    model = engine.train(records, seed=options["seed"])
    options["output"].write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    stdout.write(json.dumps({"records": records.height, "output": str(options["output"])}) + "\n")
    return 0
