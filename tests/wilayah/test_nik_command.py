"""`entas nik`: one line per number, JSON on request, exit status 1 when any is invalid."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ENTAS = Path(sys.executable).parent / "entas"
SEMARANG_TENGAH_NIK = {
    "input": "3374011705850001",
    "valid": True,
    "error": None,
    "region_code": "33.74.01",
    "region_name": "Semarang Tengah",
    "birth_date": "1985-05-17",
    "sex": "L",
    "serial": "0001",
    "warnings": [],
}


def run_nik(*arguments: str) -> list[str]:
    output = StringIO()
    call_command("nik", *arguments, stdout=output)
    return output.getvalue().splitlines()


def test_json_lines_for_valid_numbers() -> None:
    # given two valid NIKs, one with a region code retired by a pemekaran
    # when checked with --json
    lines = run_nik("3374011705850001", "9201011705850001", "--json", "--today", "2026-01-01")

    # then each gives one JSON object with exactly the documented keys
    assert [json.loads(line) for line in lines] == [
        SEMARANG_TENGAH_NIK,
        {
            "input": "9201011705850001",
            "valid": True,
            "error": None,
            "region_code": "92.01.01",
            "region_name": None,
            "birth_date": "1985-05-17",
            "sex": "L",
            "serial": "0001",
            "warnings": ["region_not_in_current_kemendagri"],
        },
    ]


def test_readable_lines_and_failure_when_one_is_invalid() -> None:
    # given a valid woman's NIK and a 15-digit number
    output = StringIO()

    # when checked without --json
    with pytest.raises(CommandError, match="1 dari 2 nomor tidak sah.") as raised:
        call_command("nik", "3374105708900002", "337401170585000", stdout=output)

    # then one Indonesian line per number, and exit status 1
    assert output.getvalue().splitlines() == [
        "3374105708900002: sah. Wilayah 33.74.10 Tembalang, lahir 17-08-1990, perempuan, "
        "nomor urut 0002.",
        "337401170585000: tidak sah. NIK harus terdiri dari 16 angka.",
    ]
    assert raised.value.returncode == 1


def test_kk_puts_issue_date_in_birth_date() -> None:
    # given a No. KK
    # when checked with --kk --json
    lines = run_nik("--kk", "--json", "--today", "2026-01-01", "3374012005150003")

    # then the issue date is in birth_date and sex is null
    assert [json.loads(line) for line in lines] == [
        {
            "input": "3374012005150003",
            "valid": True,
            "error": None,
            "region_code": "33.74.01",
            "region_name": "Semarang Tengah",
            "birth_date": "2015-05-20",
            "sex": None,
            "serial": "0003",
            "warnings": [],
        }
    ]


def test_readable_kk_line_with_warning() -> None:
    # given a No. KK issued after the reference day
    # when checked as text
    lines = run_nik("--kk", "--today", "2026-01-01", "3374011002260001")

    # then the line names the issue date and the warning in Indonesian
    assert lines == [
        "3374011002260001: sah. Wilayah 33.74.01 Semarang Tengah, diterbitkan 10-02-2026, "
        "nomor urut 0001. Peringatan: Tanggal penerbitan Nomor KK berada di masa depan."
    ]


def test_console_command_prints_json_and_exit_status() -> None:
    # given the installed `entas` console command
    # when it checks a valid and an invalid NIK with --json
    completed = subprocess.run(  # noqa: S603 - fixed arguments
        [str(ENTAS), "nik", "3374011705850001", "3374011705850000", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )

    # then stdout holds exactly one JSON line per number and the exit status is 1
    assert [json.loads(line) for line in completed.stdout.splitlines()] == [
        SEMARANG_TENGAH_NIK,
        {
            "input": "3374011705850000",
            "valid": False,
            "error": "serial_zero",
            "region_code": None,
            "region_name": None,
            "birth_date": None,
            "sex": None,
            "serial": None,
            "warnings": [],
        },
    ]
    assert completed.returncode == 1
    assert completed.stderr == "CommandError: 1 dari 2 nomor tidak sah.\n"


def test_console_command_exit_status_zero_when_all_valid() -> None:
    # given only valid numbers
    # when the console command checks them
    completed = subprocess.run(  # noqa: S603 - fixed arguments
        [str(ENTAS), "nik", "33.7401.170585.0001"], capture_output=True, text=True, check=False
    )

    # then it prints the readable line and exits 0
    assert (completed.returncode, completed.stdout) == (
        0,
        "33.7401.170585.0001: sah. Wilayah 33.74.01 Semarang Tengah, lahir 17-05-1985, "
        "laki-laki, nomor urut 0001.\n",
    )
