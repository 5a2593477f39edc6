from entas.core.exceptions import EntasError


class TargetingError(EntasError):
    """A targeting request that cannot be carried out; the message says why and what to do."""
