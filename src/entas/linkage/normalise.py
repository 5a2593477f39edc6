"""Names and addresses as record linkage compares them, for one record or a million.

Indonesian registries write one person many ways: with titles and degrees (Hj. ..., S.Pd.),
a leading honorific (Bu, Pak, Mbah), "bin/binti" and the father's name, Muhammad shortened
(M., Moh., Moch.), and older people in the spelling used until 1972 (Soekirah, Djoko,
Tjahjono). Addresses differ in abbreviations (Jl./Jln./Jalan) and in where RT/RW are
written. These are systematic variants, so they are removed here; plain typos are left to
the Jaro-Winkler comparison.

Every rule is written once in a table and applied by both forms: `name_normal`,
`address_normal` and `rt_rw` on one string (Python `re`), and `name_expr`, `address_expr`,
`rt_expr` and `rw_expr` on a Polars column (the Rust regex engine, no Python per row). The
patterns use only syntax both engines read alike (no lookaround, no backreferences) and run
on ASCII text, so the two forms give identical results; tests hold them to it.

Decisions a reader may not expect:
- Old spelling wrote "dj" for today's "j" and "j" for today's "y" (Tjahjono = Cahyono,
  Jusuf = Yusuf), so after "dj" → "j" a bare "j" cannot be dated: every "j" becomes "y"
  (Joko → "yoko"). Only thus do both spellings of every name meet.
- Spelling pairs common in names are merged (kh/k, ch/k, sy/s, dh/d, th/t, ph/f, q/k,
  z/s, ie/i, a final y/i, a final ah/a), and a doubled letter is written once, last, so
  Muhammad is "muhamad" and Abdullah "abdula". Other slips (Fitri/Pitri, Slamet/Selamet,
  Suharti/Suarti) are typos to the comparison, not rules: some are different names.
- A lone "M." is Muhammad wherever it stands, also last ("Budi M."), where it may be an
  initial: telling the two apart costs a regex group, a tenth of the time budget.
- The house number stays in the address ("no 125"): one source has it, the other not, and
  Jaro-Winkler forgives a missing tail.
- RT or RW 0 ("000") is the registries' placeholder for unknown and reads as "".
"""

import re
import unicodedata
from functools import partial

import polars as pl

# A regex and its replacement, or strings to swap in one pass: Polars swaps them with
# Aho-Corasick, which takes the match that ends first, a regex alternation the one that
# starts first; no string here can start inside another's match and end before it, so the
# two agree.
Rule = tuple[str, str] | dict[str, str]

# Precomposed Latin letters to ASCII in one pass (NFKD of a million rows costs five times
# as much); anything else non-ASCII, and apostrophes (Ma'ruf is one word), is dropped.
_ACCENTED = {
    letter: unicodedata.normalize("NFKD", letter).encode("ascii", "ignore").decode("ascii")
    for letter in map(chr, range(0xC0, 0x250))
    if unicodedata.normalize("NFKD", letter).encode("ascii", "ignore")
}
_ACCENT_TABLE = str.maketrans(_ACCENTED)
_DROPPED: Rule = (r"[^\x00-\x7f]|['`]", "")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"

# A degree written with dots: S.Pd., S.Pd.I, S.E., M.Kes., A.Md. ...
_DEGREE_DOTTED = r"[sam]\.[a-z]{1,4}(?:\.[a-z]{1,4})*\.?"
_DEGREE_SPACED = r"[sam]\.\s?[a-z]{1,4}(?:\.\s?[a-z]{1,4})*\.?"
# Without dots a degree is only recognised after a comma, and only from this list.
_DEGREE_PLAIN = (
    r"(?:spd|spdi|se|sh|sag|skom|ssos|st|sp|skep|sked|ssi|spsi|sip|sak|sthi|sfarm|sgz"
    r"|mpd|mm|msi|mkes|mh|mag|mt|mkom|amd|ama|amk|apt|ners)\.?"
)
_DEGREE_AFTER_COMMA = rf"(?:{_DEGREE_SPACED}|{_DEGREE_PLAIN})"
_TITLES = (
    "hj|hajjah|hajah|haji|drs|dra|dr|ir|prof|kh|kyai|kiai|ustadz|ustad|ustadzah|ustazah"
    "|alm|almh|almarhum|almarhumah"
)
_HONORIFICS = (
    "h|bu|ibu|bpk|bapak|pak|ny|nyonya|tn|tuan|sdr|sdri|sdra|mbah|mas|mbak|kak|bang|cak|ning"
)
_MUHAMMAD = r"m(?:u|o|oe)(?:ch|kh|h)am{1,2}[ae]d|moh|mohd|moch|mhd|muh|mhmd"

# Each rule is a full pass over a million rows, so rules that can share a pass do; group
# references in replacements cost as much as ten passes, so there are none.
_NAME_RULES: tuple[Rule, ...] = (
    # "bin"/"binti" and the father's name; degrees after a comma or at the end; then
    # punctuation. The text ends in a space from here on, so that a word's end is "x ".
    (
        r"\s(?:bin|binti|bt|bte)\b.*$"
        rf"|(?:\s*,\s*{_DEGREE_AFTER_COMMA}|\s+{_DEGREE_DOTTED})"
        rf"(?:[\s,]*{_DEGREE_AFTER_COMMA})*[^a-z]*$"
        r"|[^a-z ]+",
        " ",
    ),
    # A title anywhere; an honorific only as a first word before a name ("Agus Mas" stays).
    (rf"^(?: *(?:{_HONORIFICS}|{_TITLES}) +)+|\b(?:{_TITLES})\b", " "),
    # A lone "M." is Muhammad far more often than another name's initial.
    (rf"\b(?:{_MUHAMMAD}|m) ", "muhammad "),
    (r"\babd\b", "abdul"),
    (r"^ *st ", "siti "),
    # Van Ophuijsen/Soewandi spelling (src/entas/synth/names.py) to today's. Old "j" is
    # today's "y" and old "dj" today's "j", so both letters become "y"; old "tj" and "dj"
    # also stand for "ty" and "dy" inside a word (Setjawan, Anindja). old_spelling also
    # respells names that are old already: "Tedjo" becomes "Teddjo", "Tjoa" "Tdjoa".
    ("oe", "u"),
    (r"t+d?[jy]\B", "c"),
    (r"ch|kh|q", "k"),
    (r"s[jy]|z", "s"),
    (r"d+[jy]\B|j", "y"),
    {"y ": "i ", "ah ": "a ", "dh": "d", "th": "t", "ph": "f", "ie": "i"}
    | {letter * 2: letter for letter in _LETTERS},
)

_ADDRESS_RULES: tuple[Rule, ...] = (
    # RT/RW in all their forms: "RT/RW 011/006", "RT.011/RW.006", "RT011RW006", "rw:6",
    # or the whole value "011/006".
    (
        r"^\s*\d+\s*/\s*\d+\s*$"
        r"|\brt\s*/\s*rw\s*[.:-]?\s*\d+\s*/\s*\d+"
        r"|\brt\s*[.:-]?\s*\d+(?:\s*[/,]?\s*rw\s*[.:-]?\s*\d+)?"
        r"|\brw\s*[.:-]?\s*\d+",
        " ",
    ),
    (r"[^a-z0-9]+", " "),
    (r"\b(?:jl|jln|jalan)\b", "jalan"),
    (r"\b(?:gg|gang)\b", "gang"),
    (r"\b(?:kp|kmp|kampung)\b", "kampung"),
    (r"\b(?:perum|perumahan)\b", "perumahan"),
    (r"\b(?:komp|komplek|kompleks)\b", "kompleks"),
    (r"\b(?:blk|blok)\b", "blok"),
    (r"\b(?:no|nmr|nomor)\b", "no"),
)

_SEPARATOR = r"\s*[.:-]?\s*0*(\d+)"
_RT_AND_RW = rf"\brt\s*/\s*rw{_SEPARATOR}\s*/\s*0*(\d+)"
_BARE_PAIR = r"^\s*0*(\d+)\s*/\s*0*(\d+)\s*$"
_BARE_NUMBER = r"^\s*0*(\d+)\s*$"
# (pattern, group) tried in order; the first that matches gives the number.
_RT_PATTERNS = (
    (_RT_AND_RW, 1),
    (rf"(?:^|[^a-z])rt{_SEPARATOR}", 1),
    (_BARE_PAIR, 1),
    (_BARE_NUMBER, 1),
)
_RW_PATTERNS = (
    (_RT_AND_RW, 2),
    (rf"(?:^|[^a-z])rw{_SEPARATOR}", 1),
    (_BARE_PAIR, 2),
    (_BARE_NUMBER, 1),
)


def _pattern_of(rule: Rule) -> str:
    if isinstance(rule, dict):
        return "|".join(map(re.escape, rule))
    return rule[0]


_COMPILED = {pattern: re.compile(pattern) for pattern, _group in (*_RT_PATTERNS, *_RW_PATTERNS)} | {
    _pattern_of(rule): re.compile(_pattern_of(rule))
    for rule in (_DROPPED, *_NAME_RULES, *_ADDRESS_RULES)
}
_SPACES = re.compile(" {2,}")


def name_normal(value: str | None) -> str:
    """A person's name as lowercase ASCII words; "" when nothing is left."""
    return _squeeze(_apply(_ascii_lower(value) + " ", _NAME_RULES))


def address_normal(value: str | None) -> str:
    """An address without its RT/RW, with street words spelled out."""
    return _squeeze(_apply(_ascii_lower(value), _ADDRESS_RULES))


def rt_rw(value: str | None) -> tuple[str, str]:
    """RT and RW without leading zeros, ("11", "6"); ("", "") when absent.

    A value that is only a number ("011") is an RT or RW column's value and answers both.
    """
    text = _ascii_lower(value)
    return _first_number(text, _RT_PATTERNS), _first_number(text, _RW_PATTERNS)


def name_expr(column: pl.Expr) -> pl.Expr:
    return _squeeze_expr(_apply_expr(_ascii_lower_expr(column) + " ", _NAME_RULES))


def address_expr(column: pl.Expr) -> pl.Expr:
    return _squeeze_expr(_apply_expr(_ascii_lower_expr(column), _ADDRESS_RULES))


def rt_expr(column: pl.Expr) -> pl.Expr:
    return _first_number_expr(_ascii_lower_expr(column), _RT_PATTERNS)


def rw_expr(column: pl.Expr) -> pl.Expr:
    return _first_number_expr(_ascii_lower_expr(column), _RW_PATTERNS)


def _ascii_lower(value: str | None) -> str:
    # translate() swaps single characters exactly as the one-pass replace_many does
    return _apply((value or "").translate(_ACCENT_TABLE), (_DROPPED,)).lower()


def _ascii_lower_expr(column: pl.Expr) -> pl.Expr:
    text = column.cast(pl.String).fill_null("")
    return _apply_expr(text, (_ACCENTED, _DROPPED)).str.to_lowercase()


def _apply(text: str, rules: tuple[Rule, ...]) -> str:
    for rule in rules:
        pattern = _COMPILED[_pattern_of(rule)]
        if isinstance(rule, dict):
            text = pattern.sub(partial(_swap, rule), text)
        else:
            text = pattern.sub(rule[1], text)
    return text


def _apply_expr(column: pl.Expr, rules: tuple[Rule, ...]) -> pl.Expr:
    for rule in rules:
        if isinstance(rule, dict):
            column = column.str.replace_many(list(rule), list(rule.values()))
        else:
            pattern, replacement = rule
            column = column.str.replace_all(pattern, replacement, literal=pattern.isalpha())
    return column


def _swap(swaps: dict[str, str], found: re.Match[str]) -> str:
    return swaps[found.group()]


def _squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" ")


def _squeeze_expr(column: pl.Expr) -> pl.Expr:
    return column.str.replace_all(" {2,}", " ").str.strip_chars(" ")


def _first_number(text: str, patterns: tuple[tuple[str, int], ...]) -> str:
    for pattern, group in patterns:
        found = _COMPILED[pattern].search(text)
        if found:
            number = found.group(group)
            return "" if number == "0" else number
    return ""


def _first_number_expr(column: pl.Expr, patterns: tuple[tuple[str, int], ...]) -> pl.Expr:
    number = pl.coalesce(column.str.extract(pattern, group) for pattern, group in patterns)
    return pl.when(number == "0").then(pl.lit("")).otherwise(number).fill_null("")
