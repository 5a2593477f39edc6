"""Changing the registry. Every function validates, writes, and audits in one transaction.

Callers (views, commands, imports) pass plain values; the rules for NIK and No. KK come
from `entas.wilayah.identity`; a bad value raises `RegistryError` with an Indonesian
message and leaves the database exactly as it was.
"""

from entas.registry.exceptions import RegistryError
from entas.registry.services.common import MemberInput, name_tokens
from entas.registry.services.households import (
    head_change,
    household_register,
    household_split,
    household_update,
    member_add,
)
from entas.registry.services.persons import person_move_out, person_record_death, person_update
from entas.registry.services.welfare import (
    programme_receipt_record,
    welfare_record,
    welfare_validate,
)

__all__ = [
    "MemberInput",
    "RegistryError",
    "head_change",
    "household_register",
    "household_split",
    "household_update",
    "member_add",
    "name_tokens",
    "person_move_out",
    "person_record_death",
    "person_update",
    "programme_receipt_record",
    "welfare_record",
    "welfare_validate",
]
