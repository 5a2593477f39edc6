from entas.core.exceptions import EntasError


class VervalError(EntasError):
    """A verval request that cannot be carried out; nothing was written. The message says
    why and what to do."""
