from entas.core.exceptions import EntasError


class ImportFileError(EntasError):
    """A file that cannot be read at all (empty, binary, truncated, too large, ...).

    `code` is stable for tests and logs; the message is Indonesian and tells the user what
    to do. Rows are never rejected with this: a bad row is an `ImportRowError`.
    """
