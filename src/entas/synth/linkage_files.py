"""The synthetic DTSEN and P3KE person files as one linkage input, with the ground truth.

`entas linkage dedupe` reads a plain persons file (record_id, nik, full_name, birth_date,
sex, birth_place, address, kelurahan_code, mother_name, kk_number); this turns the files
`entas synth --out` writes into that shape, so that a deduplication can be scored against
`truth_persons.csv`. Record ids are "d<row>" for DTSEN members and "p<id_individu>" for
P3KE rows.
"""

from pathlib import Path

import polars as pl

from entas.linkage.preparing import address_with_rt_rw


def _dotted_code(column: str) -> pl.Expr:
    """3374011001 → 33.74.01.1001 (the Kemendagri form the registry uses)."""
    code = pl.col(column).cast(pl.Utf8)
    return pl.concat_str(
        [code.str.slice(0, 2), code.str.slice(2, 2), code.str.slice(4, 2), code.str.slice(6)],
        separator=".",
    )


def _dtsen(directory: Path) -> pl.LazyFrame:
    members = pl.scan_csv(directory / "dtsen_anggota.csv", infer_schema=False)
    address = address_with_rt_rw(pl.col("alamat_ktp"), pl.col("rt_ktp"), pl.col("rw_ktp"))
    return members.with_row_index("row", offset=1).select(
        pl.concat_str([pl.lit("d"), pl.col("row").cast(pl.Utf8)]).alias("record_id"),
        pl.col("nomor_induk_kependudukan").alias("nik"),
        pl.col("nama").alias("full_name"),
        pl.col("tanggal_lahir").alias("birth_date"),
        pl.col("jenis_kelamin").replace_strict({"1": "L", "2": "P"}, default=None).alias("sex"),
        pl.col("tempat_lahir").alias("birth_place"),
        address.alias("address"),
        _dotted_code("kode_kelurahan_desa_ktp").alias("kelurahan_code"),
        pl.col("nama_ibu_kandung").alias("mother_name"),
        pl.col("nomor_kartu_keluarga").alias("kk_number"),
    )


def _p3ke(directory: Path) -> pl.LazyFrame:
    rows = pl.scan_csv(directory / "p3ke_individu.csv", infer_schema=False)
    return rows.select(
        pl.concat_str([pl.lit("p"), pl.col("id_individu")]).alias("record_id"),
        pl.col("nik"),
        pl.col("nama").alias("full_name"),
        pl.col("tanggal_lahir")
        .str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        .cast(pl.Utf8)
        .alias("birth_date"),
        pl.col("jenis_kelamin")
        .replace_strict({"Laki-laki": "L", "Perempuan": "P"}, default=None)
        .alias("sex"),
        pl.lit(None, pl.Utf8).alias("birth_place"),
        pl.col("alamat").alias("address"),
        _dotted_code("kode_kemdagri").alias("kelurahan_code"),
        pl.lit(None, pl.Utf8).alias("mother_name"),
        pl.lit(None, pl.Utf8).alias("kk_number"),
    )


def linkage_persons(directory: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(persons, truth): every person record of both files, and record_id → person_id."""
    persons = pl.concat([_dtsen(directory), _p3ke(directory)]).collect()
    truth = (
        pl.scan_csv(directory / "truth_persons.csv", infer_schema=False)
        .with_columns(
            pl.when(pl.col("file") == "dtsen_anggota.csv")
            .then(pl.concat_str([pl.lit("d"), pl.col("record_id")]))
            .otherwise(pl.concat_str([pl.lit("p"), pl.col("record_id")]))
            .alias("record_id")
        )
        .select("record_id", pl.col("person_id").cast(pl.Int64))
        .collect()
    )
    return persons, truth
