"""Name and address normalisation: every rule, and the Polars form equal to the Python form."""

from random import Random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entas.linkage.normalise import (
    address_expr,
    address_normal,
    name_expr,
    name_normal,
    rt_expr,
    rt_rw,
    rw_expr,
)
from entas.synth.names import CULTURES, NameMaker, name_pools, old_spelling


def _pool_names() -> list[str]:
    def strings(node: object) -> list[str]:
        if isinstance(node, dict):
            return [text for value in node.values() for text in strings(value)]
        if isinstance(node, list):
            return [text for value in node for text in strings(value)]
        return [node] if isinstance(node, str) else []

    pools = name_pools()
    return sorted({name for key in (*CULTURES, "father_names") for name in strings(pools[key])})


def _synthetic_names(count: int) -> list[str]:
    maker = NameMaker(tuple((culture, 1.0) for culture in CULTURES))
    rng = Random(5)
    names = []
    for _index in range(count):
        culture = maker.culture(rng)
        name = maker.person(
            rng,
            culture=culture,
            sex=rng.choice("LP"),
            birth_year=rng.randrange(1930, 2020),
            family=maker.family_name(rng, culture),
        )
        names.append(name.upper() if rng.random() < 0.5 else name)
    return names


def _column(function, values: list[str | None]) -> list[str]:
    frame = pl.DataFrame({"value": values}, schema={"value": pl.String})
    return frame.select(function(pl.col("value"))).to_series().to_list()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Soekirah", "sukira"),
        ("Sukirah", "sukira"),
        ("Djoko Santoso", "yoko santoso"),
        ("Joko Santoso", "yoko santoso"),
        ("Tjahjono", "cahyono"),
        ("Hj. Siti Aminah, S.Pd.", "siti amina"),
        ("Bu Aminah", "amina"),
        ("Moch. Ridwan", "muhamad ridwan"),
        ("M.Yusuf", "muhamad yusuf"),
        ("Sitti Aminah binti Karto", "siti amina"),
        ("Agus Mas", "agus mas"),
        ("  ", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_name_normal_gives_lowercase_ascii_words(written, expected):
    assert name_normal(written) == expected


@pytest.mark.parametrize(
    ("variant", "name"),
    [
        ("Soekirah", "Sukirah"),
        ("Djoko Santoso", "Joko Santoso"),
        ("Tjahjono", "Cahyono"),
        ("Soenjoto", "Sunyoto"),
        ("Sjamsul", "Syamsul"),
        ("Cholil", "Kholil"),
        ("Hj. Siti Aminah, S.Pd.", "Siti Aminah"),
        ("H. Ahmad Fauzi", "Ahmad Fauzi"),
        ("Hajjah Aminah", "Aminah"),
        ("Drs. H. Budi Santoso, M.M.", "Budi Santoso"),
        ("Dra. Sri Wahyuni, M.Pd.", "Sri Wahyuni"),
        ("dr. Rina Lestari, M.Kes.", "Rina Lestari"),
        ("Ir. Bambang", "Bambang"),
        ("Prof. Dr. Ir. Hadi Susilo", "Hadi Susilo"),
        ("KH. Abdul Rahman", "Abdul Rahman"),
        ("Kyai Hasyim", "Hasyim"),
        ("Ustadz Yusuf", "Yusuf"),
        ("Budi Santoso, S.E.", "Budi Santoso"),
        ("Budi Santoso, SE", "Budi Santoso"),
        ("Budi Santoso S.Pd.I", "Budi Santoso"),
        ("Rina Lestari, S.Kep., Ners", "Rina Lestari"),
        ("Dewi Sartika, A.Md.", "Dewi Sartika"),
        ("Dewi Sartika, Amd", "Dewi Sartika"),
        ("Dewi Sartika, S.Psi.", "Dewi Sartika"),
        ("Dewi Sartika, S. Sos", "Dewi Sartika"),
        ("Ibu Hj. Siti, S.E., M.Si.", "Siti"),
        ("Bu Aminah", "Aminah"),
        ("Ibu Aminah", "Aminah"),
        ("Bpk. Paimin", "Paimin"),
        ("Bapak Paimin", "Paimin"),
        ("Pak Paimin", "Paimin"),
        ("Ny. Sukinah", "Sukinah"),
        ("Nyonya Sukinah", "Sukinah"),
        ("Tn. Tan Siok Lan", "Tan Siok Lan"),
        ("Sdri. Nabila Putri", "Nabila Putri"),
        ("Mbah Paimin", "Paimin"),
        ("Mas Dimas Pratama", "Dimas Pratama"),
        ("Mbak Rina", "Rina"),
        ("Cak Nur", "Nur"),
        ("Mbah H. Paimin", "Paimin"),
        ("Moch. Ridwan", "Muhammad Ridwan"),
        ("M. Ridwan", "Muhammad Ridwan"),
        ("M Ridwan", "Muhammad Ridwan"),
        ("Mochamad Ridwan", "Muhammad Ridwan"),
        ("Mokhamad Ridwan", "Muhammad Ridwan"),
        ("Mohammad Ridwan", "Muhammad Ridwan"),
        ("Muhamad Ridwan", "Muhammad Ridwan"),
        ("Muhammed Ridwan", "Muhammad Ridwan"),
        ("Moh Ridwan", "Muhammad Ridwan"),
        ("Mhd. Ridwan", "Muhammad Ridwan"),
        ("Muh. Ridwan", "Muhammad Ridwan"),
        ("Ahmad M. Yusuf", "Ahmad Muhammad Yusuf"),
        ("Abd. Rahman", "Abdul Rahman"),
        ("St. Aminah", "Siti Aminah"),
        ("Sitti Aminah binti Karto", "Siti Aminah"),
        ("Ahmad bin H. Abdullah", "Ahmad"),
        ("Siti Aminah bt. Karto", "Siti Aminah"),
        ("Ahmmad", "Ahmad"),
        ("Syafi'i", "Syafii"),
        ("José", "Jose"),
        ("Ramadhan", "Ramadan"),
        ("Hendry", "Hendri"),
        ("Fatimah", "Fatima"),
    ],
)
def test_name_variants_normalise_alike(variant, name):
    assert name_normal(variant) == name_normal(name)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Agus Mas", "Agus"),  # Mas only goes as a first word
        ("Nurul Huda", "Nur Huda"),
        ("Siti Aminah", "Siti Amina Karto"),
        ("Budi Santoso", "Santoso Budi"),  # word order is for the comparison
    ],
)
def test_different_names_stay_different(first, second):
    assert name_normal(first) != name_normal(second)


def test_every_name_in_the_pools_normalises_alike_in_old_spelling():
    names = _pool_names()

    different = [name for name in names if name_normal(old_spelling(name)) != name_normal(name)]

    assert len(names) > 500
    assert different == []


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Jl. Kutilang Raya No. 125 RT 011 RW 006", "jalan kutilang raya no 125"),
        ("JL. KUTILANG RAYA NO. 125", "jalan kutilang raya no 125"),
        ("JL KUTILANG RAYA RT 11 RW 6", "jalan kutilang raya"),
        ("Jln. Kutilang Raya", "jalan kutilang raya"),
        ("Jalan Kutilang Raya Nomor 125", "jalan kutilang raya no 125"),
        ("Gg. Sejahtera Timur RT.011/RW.002", "gang sejahtera timur"),
        ("GANG SEJAHTERA TIMUR", "gang sejahtera timur"),
        ("Kp. Baru Rt 011 / Rw 006", "kampung baru"),
        ("Perum. Griya Indah Blk. C No.5 RT011RW006", "perumahan griya indah blok c no 5"),
        ("Komp. Pandanaran rt:3 rw:12", "kompleks pandanaran"),
        ("Jl. Ma'ruf RT/RW 003/004", "jalan maruf"),
        ("011/006", ""),
        (None, ""),
    ],
)
def test_address_normal_spells_out_street_words_without_rt_rw(written, expected):
    assert address_normal(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("JL KUTILANG RAYA RT 11 RW 6", ("11", "6")),
        ("Jl. Kutilang RT.011/RW.006", ("11", "6")),
        ("Rt 011 / Rw 006", ("11", "6")),
        ("RT011RW006", ("11", "6")),
        ("011/006", ("11", "6")),
        ("rt:3 rw:12", ("3", "12")),
        ("RT/RW 003/004", ("3", "4")),
        ("RT 3", ("3", "")),
        ("011", ("11", "11")),  # an RT or RW column's value
        ("RT 000 RW 000", ("", "")),
        ("Jl. Kartini No. 5", ("", "")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_rt_rw_reads_every_way_they_are_written(written, expected):
    assert rt_rw(written) == expected


def test_polars_forms_equal_python_forms_on_synthetic_names_and_addresses():
    names = [*_pool_names(), *_synthetic_names(2_000), None, ""]
    addresses = [
        "JL. KUTILANG RAYA NO. 125",
        "JL KUTILANG RAYA RT 11 RW 6",
        "Gg. Sejahtera Timur RT.011/RW.002",
        "Perum. Griya Indah Blk. C No.5 RT011RW006",
        "011/006",
        "006",
        None,
    ]

    assert _column(name_expr, names) == [name_normal(name) for name in names]
    assert _column(address_expr, addresses) == [address_normal(text) for text in addresses]
    assert _column(rt_expr, addresses) == [rt_rw(text)[0] for text in addresses]
    assert _column(rw_expr, addresses) == [rt_rw(text)[1] for text in addresses]


_VOCABULARY = [
    *("H.", "Hj.", "Hajjah", "Drs.", "Dra.", "dr.", "Ir.", "Prof.", "KH.", "Kyai"),
    *("Bu", "Ibu", "Bpk.", "Pak", "Ny.", "Mbah", "Mas", "Mbak", "Sdri.", "Cak"),
    *(", S.Pd.", ", S.E.", "S.Pd.I", ", A.Md.", ", M.Kes.", ", SE", "Amd", ", S. Sos"),
    *("bin", "binti", "bt.", "Moch.", "M.", "M", "Moh", "Muhammad", "Abd.", "St.", "Nurul"),
    *("Soekirah", "Djoko", "Tjahjono", "Sjamsul", "Soenjoto", "Cholil", "Teddjo", "Tdjoa"),
    *("Sitti", "Ahmmad", "Syafi'i", "Hendry", "Fatimah", "José", "Ramadhan", "Rizkj"),
    *("Jl.", "JLN", "Gg", "Kp.", "Perum.", "Komp.", "Blk.", "No.", "Nomor", "Raya"),
    *("RT", "RW", "RT.011/RW.006", "RT011RW006", "rt:3", "rw:12", "RT/RW", "011/006", "000"),
    *(".", ",", "-", "'", "/", "(", ")", "  ", "\t", "é", "ü", "ñ", "’", "ǅ", "ß", "1", "25"),
]
_WORD = st.one_of(
    st.sampled_from(_VOCABULARY),
    st.text(alphabet="abcdehijkmnostuyzABDJMST .,'/0123456789éÖ", min_size=1, max_size=8),
)
_VALUE = st.lists(_WORD, max_size=8).map(" ".join)
_JOINED = st.lists(_WORD, max_size=8).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_VALUE, _JOINED, st.none()), min_size=1, max_size=40))
def test_polars_forms_equal_python_forms_on_generated_text(values):
    assert _column(name_expr, values) == [name_normal(value) for value in values]
    assert _column(address_expr, values) == [address_normal(value) for value in values]
    assert _column(rt_expr, values) == [rt_rw(value)[0] for value in values]
    assert _column(rw_expr, values) == [rt_rw(value)[1] for value in values]
