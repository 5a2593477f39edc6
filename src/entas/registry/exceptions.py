from entas.core.exceptions import EntasError


class RegistryError(EntasError):
    """A registry change was refused; nothing was written."""
