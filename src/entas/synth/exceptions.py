from entas.core.exceptions import EntasError


class SynthError(EntasError):
    """Synthetic data could not be generated or loaded; nothing was written."""
