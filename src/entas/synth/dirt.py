"""The mistakes real registries contain, applied to faithful records on purpose.

Names: old spelling (Soekirah/Sukirah, Djoko/Joko), titles and degrees (H., Hj., Drs.,
S.Pd.), honorifics (Bu, Pak, Mbah), abbreviations (Muhammad → M./Moh./Moch.), swapped word
order, bin/binti with the father's name, and plain typos. NIKs: a digit changed, two digits
swapped, a number mangled by a spreadsheet, or none at all. Every kind has a stable name,
written to the ground truth so that a deduplication can be scored.

A damaged NIK never collides with another person's NIK (see `numbers`), so a registry can
hold it under "an active NIK is unique"; a NIK a registry cannot hold (not 16 digits) is
kept in the files and becomes "no NIK" in the database.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from entas.synth.names import has_old_spelling, new_spelling, old_spelling
from entas.synth.numbers import (
    number_through_excel,
    number_with_digit_typo,
    number_with_transposition,
)
from entas.synth.population import SynthPerson
from entas.synth.weighted import Weighted

_TITLE_PREFIX = re.compile(r"^(H\.|Hj\.|Drs\.|Dra\.|Ir\.|Dr\.)\s+")
_DEGREE_SUFFIX = re.compile(r",\s*(S\.[A-Za-z]+\.|A\.Md\.)$")
_MUHAMMAD = re.compile(
    r"\b(Muhammad|Mohammad|Muhamad|Mohamad|Mochammad|Mochamad|Moh\.?|Moch\.?|Muh\.?|M\.)(?=\s)"
)
_MUHAMMAD_FORMS = ("M.", "Moh.", "Moch.", "Muh.", "Mochamad", "Mohamad", "Muhamad", "Mohammad")
_SHORT_FORMS = (("Abdul", "Abd."), ("Siti", "St."), ("Nurul", "Nur"))
_SPELLING_SLIPS = (
    (r"y\b", "i"),
    (r"i\b", "y"),
    (r"ah\b", "a"),
    (r"sy", "s"),
    (r"kh", "k"),
    (r"dh", "d"),
    (r"th", "t"),
    (r"ph", "f"),
    (r"q", "k"),
    (r"z", "s"),
    (r"\bF", "P"),
    (r"\bSl", "Sel"),
    (r"\bSr", "Ser"),
    (r"mm", "m"),
    (r"nn", "n"),
    (r"ie", "i"),
    (r"([aiueo])h([aiueo])", r"\1\2"),
)
DEGREES = (", S.Pd.", ", S.E.", ", S.H.", ", S.Ag.", ", S.Kom.", ", A.Md.", ", S.Sos.")
DEGREE_EDUCATION = frozenset({"diploma", "s1", "s2_s3"})
MUSLIM_CULTURES = frozenset({"jawa", "islami"})
HONORIFICS = frozenset({"Mbah", "Pak", "Bpk.", "Bapak", "Bu", "Ibu", "Ny.", "Mas", "Mbak"})


@dataclass(frozen=True)
class NameContext:
    person: SynthPerson
    age: int
    culture: str
    father: str


NameOperation = Callable[[Random, str, NameContext], str | None]


def _old_spelling(rng: Random, name: str, context: NameContext) -> str | None:
    changed = new_spelling(name) if has_old_spelling(name) else old_spelling(name)
    return changed if changed != name else None


def _title(rng: Random, name: str, context: NameContext) -> str | None:
    stripped = _DEGREE_SUFFIX.sub("", _TITLE_PREFIX.sub("", name))
    if stripped != name:
        return stripped
    if context.age < 25:
        return None
    person = context.person
    if context.age >= 45 and context.culture in MUSLIM_CULTURES and rng.random() < 0.6:
        return ("H. " if person.sex == "L" else "Hj. ") + name
    if context.age >= 55 and rng.random() < 0.3:
        return ("Drs. " if person.sex == "L" else "Dra. ") + name
    if person.education in DEGREE_EDUCATION or rng.random() < 0.3:
        return name + rng.choice(DEGREES)
    return None


def _honorific(rng: Random, name: str, context: NameContext) -> str | None:
    age, sex = context.age, context.person.sex
    if age < 18:
        return None
    if age >= 60:
        return "Mbah " + name
    if age >= 30:
        return (
            rng.choice(("Pak ", "Bpk. ", "Bapak ") if sex == "L" else ("Bu ", "Ibu ", "Ny. "))
            + name
        )
    return ("Mas " if sex == "L" else "Mbak ") + name


def _abbreviation(rng: Random, name: str, context: NameContext) -> str | None:
    match = _MUHAMMAD.search(name)
    if match:
        forms = [form for form in _MUHAMMAD_FORMS if form != match.group()]
        return name[: match.start()] + rng.choice(forms) + name[match.end() :]
    for long, short in _SHORT_FORMS:
        if name.startswith(long + " "):
            return short + name[len(long) :]
    words = name.split()
    if len(words) < 2:
        return None
    index = rng.randrange(1, len(words)) if len(words) == 2 or rng.random() < 0.6 else 0
    if len(words[index]) < 3 or words[index].endswith("."):
        return None
    words[index] = words[index][0] + "."
    return " ".join(words)


def _word_order(rng: Random, name: str, context: NameContext) -> str | None:
    words = name.split()
    if len(words) < 2 or words[0] in HONORIFICS or " bin" in name or "," in name:
        return None
    if any(word.endswith(".") for word in words):
        return None
    return " ".join([words[-1], *words[:-1]])


def _patronym(rng: Random, name: str, context: NameContext) -> str | None:
    if context.culture not in MUSLIM_CULTURES or context.age < 17 or " bin" in name:
        return None
    return f"{name} {'bin' if context.person.sex == 'L' else 'binti'} {context.father}"


def _typo(rng: Random, name: str, context: NameContext) -> str:
    slips = [
        (pattern, replacement)
        for pattern, replacement in _SPELLING_SLIPS
        if re.search(pattern, name)
    ]
    if slips and rng.random() < 0.7:
        pattern, replacement = rng.choice(slips)
        changed = re.sub(pattern, replacement, name, count=1)
        if changed.upper() != name.upper():
            return changed
    return _keyboard_slip(rng, name)


def _keyboard_slip(rng: Random, name: str) -> str:
    """A letter dropped, doubled or swapped with its neighbour; always changes the name."""
    letters = [index for index, char in enumerate(name) if char.isalpha()]
    index = rng.choice(letters[1:] or letters)
    roll = rng.random()
    if roll < 0.4 and len(letters) > 3:
        return name[:index] + name[index + 1 :]
    if (
        roll < 0.7
        and index + 1 < len(name)
        and name[index + 1].isalpha()
        and name[index] != name[index + 1]
    ):
        return name[:index] + name[index + 1] + name[index] + name[index + 2 :]
    return name[:index] + name[index] + name[index:]


NAME_OPERATIONS: dict[str, NameOperation] = {  # in the order they are applied
    "name_old_spelling": _old_spelling,
    "name_abbreviation": _abbreviation,
    "name_order": _word_order,
    "name_typo": _typo,
    "name_patronym": _patronym,
    "name_title": _title,
    "name_honorific": _honorific,
}
NAME_OPERATION = Weighted(
    (
        ("name_old_spelling", 18),
        ("name_title", 14),
        ("name_honorific", 12),
        ("name_abbreviation", 18),
        ("name_order", 8),
        ("name_patronym", 8),
        ("name_typo", 22),
    )
)


def name_variant(
    rng: Random, name: str, context: NameContext, *, operations: int = 1
) -> tuple[str, list[str]]:
    """`name` changed by `operations` kinds of mistake; the result always differs from it.

    The kinds are applied in the order of NAME_OPERATIONS, so that words are abbreviated or
    swapped before a title or honorific is put in front ("Hj. R." never happens).
    """
    chosen = {NAME_OPERATION(rng) for _draw in range(operations)}
    kinds: list[str] = []
    changed = name
    for kind, operation in NAME_OPERATIONS.items():
        if kind in chosen:
            result = operation(rng, changed, context)
            if result and result.upper() != changed.upper():
                changed = result
                kinds.append(kind)
    if changed.upper() == name.upper():
        return _typo(rng, name, context), ["name_typo"]
    return changed, kinds


@dataclass(frozen=True)
class NikDamage:
    written: str  # as the file shows it
    registry: str | None  # what a registry can hold
    kind: str


def nik_damage(
    rng: Random,
    nik: str,
    kind: str,
    *,
    can_issue: Callable[[str], bool],
    is_valid: Callable[[str], bool],
) -> NikDamage:
    """The NIK as damaged by `kind`: nik_missing, nik_digit, nik_transposed or nik_excel.

    The registry keeps a damaged number only when it is still a well-formed NIK (a registry
    refuses the rest at import) that nobody else can have.
    """
    if kind == "nik_missing":
        return NikDamage("", None, kind)
    written: str | None = None
    if kind == "nik_transposed":
        written = number_with_transposition(nik, rng, can_issue)
        if written is None:
            kind = "nik_digit"
    if kind == "nik_digit":
        written = number_with_digit_typo(nik, rng, can_issue)
    if written is None:
        written, kind = number_through_excel(nik, rng), "nik_excel"
    holdable = len(written) == 16 and written.isdigit() and not can_issue(written)
    return NikDamage(written, written if holdable and is_valid(written) else None, kind)
