"""Welfare of a synthetic household: spending, income, housing, assets, programmes.

Everything follows from two draws: whether the family is extreme poor (per-capita spending
below the extreme-poverty line) and its desil (the registry's proxy-means ranking). They
disagree as in real data: most extreme-poor families are in desil 1, some in desil 2 or 3,
and many desil-1 families are poor but not extreme. Housing, assets and programmes are drawn
per tier: 0 extreme poor, 1 desil 1-2, 2 desil 3-5, 3 desil 6-10.
"""

from random import Random

from entas.synth.population import SynthPerson, Welfare
from entas.synth.weighted import Weighted, between, pick, tiered

EXTREME_DESIL = Weighted(((1, 75), (2, 18), (3, 7)))
# Per-capita monthly spending as multiples of the extreme-poverty line, per desil.
SPENDING_RANGE = {
    1: (1.01, 1.5),
    2: (1.15, 1.9),
    3: (1.4, 2.3),
    4: (1.7, 2.8),
    5: (2.1, 3.4),
    6: (2.6, 4.1),
    7: (3.1, 5.0),
    8: (3.8, 6.3),
    9: (4.8, 8.5),
    10: (6.5, 16.0),
}
EXTREME_SPENDING_RANGE = (0.45, 0.985)

OWNERSHIP = tiered(
    {
        "milik_sendiri": (55, 62, 70, 80),
        "kontrak_sewa": (20, 20, 20, 15),
        "bebas_sewa": (22, 15, 8, 3),
        "dinas": (0, 0, 1, 1),
        "lainnya": (3, 3, 1, 1),
    }
)
FLOOR = tiered(
    {
        "keramik": (25, 45, 70, 90),
        "ubin": (10, 12, 10, 4),
        "semen": (45, 35, 18, 5),
        "tanah": (12, 5, 1, 0),
        "kayu": (6, 3, 1, 0),
        "bambu": (2, 0, 0, 0),
        "marmer": (0, 0, 0, 1),
    }
)
WALL = tiered(
    {
        "tembok": (60, 78, 92, 99),
        "plesteran_bambu": (8, 6, 3, 0),
        "kayu": (20, 12, 4, 1),
        "anyaman_bambu": (10, 3, 1, 0),
        "lainnya": (2, 1, 0, 0),
    }
)
ROOF = tiered(
    {
        "genteng": (55, 65, 75, 75),
        "seng": (25, 18, 10, 5),
        "asbes": (18, 15, 12, 8),
        "beton": (0, 1, 3, 12),
        "lainnya": (2, 1, 0, 0),
    }
)
WATER = tiered(
    {
        "isi_ulang": (45, 50, 55, 45),
        "leding": (15, 20, 25, 25),
        "sumur_bor": (20, 18, 14, 10),
        "sumur_terlindung": (10, 7, 4, 2),
        "sumur_tak_terlindung": (6, 3, 1, 0),
        "kemasan": (1, 1, 1, 18),
        "mata_air_terlindung": (3, 1, 0, 0),
    }
)
LIGHTING = tiered(
    {
        "pln_meteran": (80, 92, 99, 100),
        "pln_tanpa_meteran": (18, 7, 1, 0),
        "non_pln": (1, 1, 0, 0),
        "bukan_listrik": (1, 0, 0, 0),
    }
)
POWER = tiered(
    {1: (70, 45, 15, 0), 2: (28, 50, 60, 30), 3: (2, 5, 22, 45), 4: (0, 0, 3, 18), 5: (0, 0, 0, 7)}
)
COOKING = tiered(
    {
        "elpiji_3kg": (78, 88, 88, 60),
        "elpiji_besar": (0, 2, 6, 30),
        "kayu_bakar": (10, 4, 1, 0),
        "minyak_tanah": (4, 2, 1, 0),
        "listrik": (0, 0, 1, 6),
        "tidak_memasak": (6, 3, 2, 2),
        "arang": (2, 1, 1, 0),
    }
)
TOILET = tiered(
    {
        "sendiri": (45, 70, 88, 98),
        "bersama": (20, 14, 7, 1),
        "mck_komunal": (12, 7, 2, 0),
        "mck_umum": (15, 6, 2, 1),
        "tidak_ada": (8, 3, 1, 0),
    }
)
ASSET_SHARE = {
    "tabung_gas": (2, 6, 15, 45),
    "lemari_es": (20, 45, 70, 95),
    "ac": (0, 1, 4, 35),
    "pemanas_air": (0, 0, 2, 20),
    "telepon_rumah": (0, 1, 2, 8),
    "tv_datar": (25, 45, 65, 90),
    "emas": (2, 6, 15, 40),
    "komputer": (2, 6, 15, 55),
    "sepeda_motor": (35, 65, 85, 95),
    "sepeda": (20, 25, 30, 35),
    "mobil": (0, 1, 5, 40),
    "perahu": (1, 1, 0, 0),
    "perahu_motor": (1, 1, 0, 0),
    "smartphone": (60, 80, 92, 99),
    "lahan": (2, 4, 8, 20),
    "rumah_lain": (0, 1, 4, 18),
}
FLOOR_AREA_PER_PERSON = ((3, 8), (5, 10), (7, 15), (10, 30))
GOAT_SHARE = (0.03, 0.03, 0.02, 0.01)
# Share of households receiving each programme: extreme poor, then desil 1..10.
PKH_SHARE = (0.55, 0.40, 0.30, 0.12, 0.05, 0, 0, 0, 0, 0, 0)
BPNT_SHARE = (0.70, 0.55, 0.45, 0.30, 0.15, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01)
PBI_SHARE = (0.82, 0.75, 0.70, 0.60, 0.45, 0.30, 0.05, 0.05, 0.05, 0.05, 0.05)
BST_SHARE = (0.25, 0.20, 0.20, 0.15, 0.10, 0.02, 0, 0, 0, 0, 0)
PIP_SHARE = (0.50, 0.35, 0.35, 0.30, 0.10, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02)
CITY_PBI_SHARE = 0.6
BPUM_SHARE = 0.04
ELECTRICITY_SUBSIDY_SHARE = 0.9


def tier_of(desil: int, extreme: bool) -> int:
    if extreme:
        return 0
    return 1 if desil <= 2 else 2 if desil <= 5 else 3


def welfare_draw(
    rng: Random,
    *,
    desil: int,
    extreme: bool,
    members: list[SynthPerson],
    extreme_line: int,
    as_of_year: int,
) -> Welfare:
    tier = tier_of(desil, extreme)
    current = [person for person in members if person.is_current]
    spending = _spending(rng, desil, extreme, extreme_line)
    lighting = LIGHTING[tier](rng)
    power = POWER[tier](rng) if lighting == "pln_meteran" else 0
    return Welfare(
        desil=desil,
        desil_province=max(1, desil - (rng.random() < 0.3)),
        desil_regency=max(1, desil - pick(rng, (0, 1, 1, 2))),
        expenditure_per_capita=spending,
        income_per_capita=_income(rng, spending, extreme, current),
        house_ownership=OWNERSHIP[tier](rng),
        floor_area_m2=max(9, round(len(current) * rng.uniform(*FLOOR_AREA_PER_PERSON[tier]))),
        floor_type=FLOOR[tier](rng),
        wall_type=WALL[tier](rng),
        roof_type=ROOF[tier](rng),
        water_source=WATER[tier](rng),
        lighting=lighting,
        power=power,
        cooking_fuel=COOKING[tier](rng),
        toilet_facility=TOILET[tier](rng),
        assets=frozenset(
            asset for asset, shares in ASSET_SHARE.items() if rng.random() * 100 < shares[tier]
        ),
        goats=between(rng, 1, 4) if rng.random() < GOAT_SHARE[tier] else 0,
        programmes=_programmes(rng, desil, extreme, current, power, as_of_year),
        stunting_risk=tier <= 1 and _has_young_child(current, as_of_year) and rng.random() < 0.3,
    )


def _spending(rng: Random, desil: int, extreme: bool, line: int) -> int:
    low, high = EXTREME_SPENDING_RANGE if extreme else SPENDING_RANGE[desil]
    value = int(line * rng.uniform(low, high)) // 1000 * 1000
    if extreme:
        return min(value, line - 1000)
    return max(value, line + 1000)


def _income(rng: Random, spending: int, extreme: bool, current: list[SynthPerson]) -> int:
    if extreme and len(current) == 1 and not current[0].is_working and rng.random() < 0.4:
        return 0
    low, high = (0.3, 1.1) if extreme else (0.55, 1.25)
    return int(spending * rng.uniform(low, high)) // 1000 * 1000


def _programmes(
    rng: Random,
    desil: int,
    extreme: bool,
    current: list[SynthPerson],
    power: int,
    as_of_year: int,
) -> frozenset[str]:
    rank = 0 if extreme else desil
    received = set()
    if _pkh_eligible(current, as_of_year) and rng.random() < PKH_SHARE[rank]:
        received.add("pkh")
    if rng.random() < BPNT_SHARE[rank]:
        received.add("bpnt")
    if rng.random() < PBI_SHARE[rank]:
        received.add("pbi_jkn")
    elif desil <= 5 and rng.random() < CITY_PBI_SHARE:
        received.add("pbi_pemda")
    if rng.random() < BST_SHARE[rank]:
        received.add("bst")
    if desil <= 5 and rng.random() < BPUM_SHARE:
        received.add("bpum")
    if power == 1 and rng.random() < ELECTRICITY_SUBSIDY_SHARE:
        received.add("subsidi_listrik")
    for person in current:
        if person.school_participation == "masih" and rng.random() < PIP_SHARE[rank]:
            person.receives_pip = True
    return frozenset(received)


def _pkh_eligible(current: list[SynthPerson], as_of_year: int) -> bool:
    """PKH components: pregnancy, children, school pupils, elderly, severe disability."""
    for person in current:
        age = as_of_year - person.birth_date.year
        if age < 18 or age >= 60 or person.is_pregnant:
            return True
        if person.difficulties and min(person.difficulties) <= 2:
            return True
    return False


def _has_young_child(current: list[SynthPerson], as_of_year: int) -> bool:
    return any(as_of_year - person.birth_date.year < 5 for person in current)
