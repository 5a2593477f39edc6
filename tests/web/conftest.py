"""Fixtures for the web tests: one family in Tembalang, one in Tugu, compiled messages."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from tests.factories import make_household

from entas.registry.models import Household

TEMBALANG_KELURAHAN = "33.74.10.1001"
TUGU_KELURAHAN = "33.74.16.1001"


@pytest.fixture
def tembalang_household(regions) -> Household:
    return make_household(kelurahan_code=TEMBALANG_KELURAHAN, members=3, address="Jl. Mulawarman 5")


@pytest.fixture
def tugu_household(regions) -> Household:
    return make_household(kelurahan_code=TUGU_KELURAHAN, members=2, surname="Tugu")


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory) -> Path:
    """The project's catalogues compiled into a temporary copy (the tree stays untouched)."""
    target = tmp_path_factory.mktemp("locale") / "locale"
    shutil.copytree(settings.LOCALE_PATHS[0], target, ignore=shutil.ignore_patterns("*.mo"))
    call_command("compile_messages", str(target), stdout=open("/dev/null", "w"))  # noqa: SIM115
    return target


@pytest.fixture
def english_available(settings, compiled_locale) -> None:
    """Point LOCALE_PATHS at the compiled copy; Django resets its catalogue cache."""
    settings.LOCALE_PATHS = [compiled_locale]
