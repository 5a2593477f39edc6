"""Schooling, work, disability and health of a synthetic person, by age, sex and tier.

Tiers as in `welfare`: 0 extreme poor, 1 desil 1-2, 2 desil 3-5, 3 desil 6-10. The shares
are plausible for a Javanese city, not estimates: the extreme poor are more often disabled,
chronically ill, out of work (PHK) or old without income, the causes named by Dinsos.
"""

from random import Random

from entas.synth.population import SynthPerson
from entas.synth.weighted import Weighted, tiered

NOT_WORKING = frozenset(
    {"Belum/Tidak Bekerja", "Mengurus Rumah Tangga", "Pelajar/Mahasiswa", "Pensiunan"}
)
ADULT_EDUCATION = {
    "old": tiered(
        {
            "tidak_sekolah": (35, 25, 15, 5),
            "sd": (50, 55, 50, 35),
            "smp": (10, 12, 18, 20),
            "sma": (5, 8, 14, 25),
            "diploma": (0, 0, 2, 7),
            "s1": (0, 0, 1, 8),
        }
    ),
    "middle": tiered(
        {
            "tidak_sekolah": (10, 6, 3, 1),
            "sd": (45, 40, 25, 10),
            "smp": (25, 27, 25, 15),
            "sma": (18, 24, 37, 40),
            "diploma": (1, 2, 5, 10),
            "s1": (1, 1, 5, 20),
            "s2_s3": (0, 0, 0, 4),
        }
    ),
    "young": tiered(
        {
            "tidak_sekolah": (3, 2, 1, 0),
            "sd": (25, 18, 8, 3),
            "smp": (30, 28, 20, 8),
            "sma": (38, 45, 55, 45),
            "diploma": (2, 4, 8, 12),
            "s1": (2, 3, 8, 28),
            "s2_s3": (0, 0, 0, 4),
        }
    ),
}
# Share (%) of children still at school: SD age, SMP age, SMA age, college age.
ENROLLED = ((93, 80, 60, 5), (96, 88, 70, 10), (98, 93, 82, 20), (99, 97, 90, 40))
OCCUPATION = {
    ("L", "adult"): tiered(
        {
            "Buruh Harian Lepas": (38, 30, 20, 8),
            "Wiraswasta": (12, 16, 18, 18),
            "Karyawan Swasta": (8, 18, 30, 35),
            "Pedagang": (8, 10, 10, 8),
            "Sopir": (5, 6, 5, 3),
            "Tukang Batu": (8, 7, 4, 1),
            "Nelayan/Perikanan": (2, 1, 1, 0),
            "Pegawai Negeri Sipil": (0, 0, 2, 8),
            "Guru": (0, 0, 2, 5),
            "Belum/Tidak Bekerja": (19, 12, 8, 4),
        }
    ),
    ("P", "adult"): tiered(
        {
            "Mengurus Rumah Tangga": (48, 48, 42, 30),
            "Buruh Harian Lepas": (12, 12, 8, 3),
            "Pedagang": (12, 12, 12, 8),
            "Karyawan Swasta": (5, 10, 18, 28),
            "Wiraswasta": (4, 6, 8, 10),
            "Pembantu Rumah Tangga": (7, 5, 2, 0),
            "Guru": (0, 0, 2, 8),
            "Pegawai Negeri Sipil": (0, 0, 1, 6),
            "Belum/Tidak Bekerja": (12, 7, 7, 7),
        }
    ),
    ("L", "old"): tiered(
        {
            "Belum/Tidak Bekerja": (55, 50, 45, 35),
            "Buruh Harian Lepas": (20, 20, 15, 5),
            "Pedagang": (10, 12, 12, 10),
            "Pensiunan": (3, 8, 18, 40),
            "Wiraswasta": (12, 10, 10, 10),
        }
    ),
    ("P", "old"): tiered(
        {
            "Mengurus Rumah Tangga": (45, 45, 45, 40),
            "Belum/Tidak Bekerja": (40, 35, 30, 25),
            "Pedagang": (10, 12, 12, 10),
            "Pensiunan": (1, 3, 8, 20),
            "Buruh Harian Lepas": (4, 5, 5, 5),
        }
    ),
}
DIFFICULTY_DOMAIN = Weighted(
    ((2, 30), (0, 20), (1, 12), (7, 12), (8, 8), (4, 8), (6, 5), (3, 3), (5, 2))
)
CHRONIC = Weighted(
    (
        ("hipertensi", 35),
        ("rematik", 15),
        ("diabetes", 15),
        ("jantung", 8),
        ("stroke", 7),
        ("asma", 7),
        ("tbc", 3),
        ("kanker", 2),
        ("gagal_ginjal", 2),
        ("gangguan_jiwa", 3),
        ("lainnya", 3),
    )
)
DISABILITY_FACTOR = (2.5, 1.3, 1.0, 0.8)
CHRONIC_FACTOR = (1.3, 1.1, 1.0, 0.9)
OUT_OF_WORK_EXTREME = 0.15  # laid off (PHK) or too ill to work last week


def traits_fill(rng: Random, person: SynthPerson, *, age: int, tier: int, generation: str) -> None:
    _schooling(rng, person, age, tier, generation)
    _difficulties(rng, person, age, tier)
    _work(rng, person, age, tier)
    _health(rng, person, age, tier)


def _schooling(rng: Random, person: SynthPerson, age: int, tier: int, generation: str) -> None:
    if age < 7:
        person.education, person.school_participation = "tidak_sekolah", "tidak_pernah"
        return
    enrolled = ENROLLED[tier]
    stages = ((12, "sd", None, 0), (15, "smp", "sd", 1), (18, "sma", "smp", 2))
    for last_age, level, previous, index in stages:
        if age <= last_age:
            if rng.random() * 100 < enrolled[index]:
                person.education, person.school_participation = level, "masih"
            else:
                person.education = previous or "sd"
                person.school_participation = "tidak_lagi"
            return
    if age <= 23 and rng.random() * 100 < enrolled[3]:
        person.education = "s1" if rng.random() < 0.7 else "diploma"
        person.school_participation = "masih"
        return
    person.education = ADULT_EDUCATION[
        "young" if generation in ("young", "modern") else generation
    ][tier](rng)
    person.school_participation = (
        "tidak_pernah" if person.education == "tidak_sekolah" else "tidak_lagi"
    )


def _work(rng: Random, person: SynthPerson, age: int, tier: int) -> None:
    if person.school_participation == "masih":
        person.occupation, person.is_working = "Pelajar/Mahasiswa", False
        return
    if age < 15:
        person.occupation, person.is_working = "Belum/Tidak Bekerja", False
        return
    table = OCCUPATION[(person.sex, "old" if age >= 65 else "adult")]
    person.occupation = table[tier](rng)
    working = person.occupation not in NOT_WORKING
    if working and tier == 0 and rng.random() < OUT_OF_WORK_EXTREME:
        working = False
    if working and person.difficulties and min(person.difficulties) <= 2 and rng.random() < 0.7:
        working = False
    person.is_working = working


def _difficulties(rng: Random, person: SynthPerson, age: int, tier: int) -> None:
    if age < 2:
        person.difficulties = None
        return
    base = 1.5 if age < 18 else 3 if age < 60 else 12 if age < 75 else 28
    if rng.random() * 100 >= base * DISABILITY_FACTOR[tier]:
        return
    values = [4] * 9
    for _domain in range(1 if rng.random() < 0.7 else 2):
        values[DIFFICULTY_DOMAIN(rng)] = 1 if rng.random() < 0.25 else 2
    person.difficulties = tuple(values)


def _health(rng: Random, person: SynthPerson, age: int, tier: int) -> None:
    base = 2 if age < 40 else 14 if age < 60 else 38
    if rng.random() * 100 < base * CHRONIC_FACTOR[tier]:
        person.chronic_illness = CHRONIC(rng)
    if (
        person.sex == "P"
        and 18 <= age <= 42
        and person.marital_status == "kawin"
        and rng.random() < 0.04
    ):
        person.is_pregnant = True
