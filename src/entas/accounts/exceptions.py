from entas.core.exceptions import EntasError


class AccountError(EntasError):
    """An organisation or account change that cannot be carried out; nothing was written.
    The message says why and what to do."""
