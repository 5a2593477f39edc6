"""Fixtures for the region loaders: an empty region table inside the test's transaction."""

import pytest
from django.db import connection

from entas.wilayah.models import Boundary, Region


@pytest.fixture
def empty_regions(db) -> None:
    """No regions and no boundaries, as on a fresh database.

    The session fixture in tests/conftest.py loads the national tree once; emptying it with
    plain SQL inside the test's transaction is rolled back afterwards, and avoids the ORM
    collector walking 91,599 protected rows.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Boundary._meta.db_table}")  # noqa: S608 - table names only
        cursor.execute(f"DELETE FROM {Region._meta.db_table}")  # noqa: S608
