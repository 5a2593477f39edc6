class EntasError(Exception):
    """Base of domain errors. The message is a full sentence for the user (Indonesian via i18n).

    `code` is a stable machine-readable reason; `field` names the input it concerns, if any.
    """

    def __init__(self, message: str, *, code: str = "invalid", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
