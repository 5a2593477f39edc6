"""The local PostgreSQL server the benchmarks use: is it there, and a throwaway database."""

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def url_of(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        print(f"PostgreSQL not available ({error.__class__.__name__}); skipped.")
        return False
    return True


def postgres_recreate(name: str) -> None:
    """Drop and create database `name` (a benchmark's own, never the application's)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
