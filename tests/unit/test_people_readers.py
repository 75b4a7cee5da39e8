"""People readers: tiny hand-made files read right; each bad file gives a DataError naming the
dataset, the file, the column and the offending rows (LSOA codes and file lines)."""

from __future__ import annotations

import pandas as pd
import pytest

from ics_maps.errors import DataError
from ics_maps.readers import people as PR
from ics_maps.sources import CATALOGUE

CENSUS_FILE = "TS007A_age_by_five_year_age_bands_lsoa21_nomis.csv"
IMD_FILE = "IoD2025_LSOA21_scores_ranks_deciles_derived.csv"
BAND_HEADERS = (
    ["Aged 4 years and under"]
    + [f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)]
    + ["Aged 85 years and over"]
)


def nomis_query(rows: list[tuple[str, str, int, list]]) -> str:
    """A file laid out like the mirror's Nomis query export (title lines, then the table)."""
    head = (
        '"TS007A - Age by five-year age bands"\n"ONS Crown Copyright Reserved"\n'
        '"Date       :","2021"\n\n'
    )
    cols = ["2021 super output area - lower layer", "mnemonic", "Total", *BAND_HEADERS]
    lines = [",".join(f'"{c}"' for c in cols)]
    for name, code, total, bands in rows:
        lines.append(",".join([f'"{name}"', f'"{code}"', str(total), *map(str, bands)]))
    return head + "\n".join(lines) + "\n\n\n"


def write_census(mirror, text: str) -> None:
    path = mirror / CATALOGUE["census21_lsoa_population"].mirror_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


BANDS_A = list(range(1, 19))  # 171 residents: 1 aged 0-4, 2 aged 5-9, …, 18 aged 85+


def test_reads_bands_from_a_nomis_query_export(fake_mirror, any_size):
    write_census(
        fake_mirror,
        nomis_query(
            [
                ("Area 001A", "E01000001", 171, BANDS_A),
                ("Welsh 001A", "W01000001", 180, [10] * 18),  # Wales: dropped
                ("Area 001B", "E01000002", 180, [10] * 18),
            ]
        ),
    )
    df = PR.read_age_bands()
    assert df["code"].tolist() == ["E01000001", "E01000002"]
    assert list(df.columns) == ["code", *PR.AGE_BANDS, "residents"]
    assert df.loc[0, "age_0_4"] == 1 and df.loc[0, "age_85_plus"] == 18
    assert df["residents"].tolist() == [171, 180]


def test_reads_bands_from_the_nomis_bulk_file(fake_mirror, any_size):
    cols = [
        "date",
        "geography",
        "geography code",
        "Age: Total",
        *(f"Age: {h}" for h in BAND_HEADERS),
    ]
    rows = [["2021", "Area 001A", "E01000001", "171", *map(str, BANDS_A)]]
    write_census(fake_mirror, "\n".join(",".join(r) for r in [cols, *rows]) + "\n")
    df = PR.read_age_bands()
    assert df.loc[0, "age_40_44"] == 9 and df.loc[0, "residents"] == 171


def test_bands_that_do_not_add_up_to_the_total_are_named(mirror_copy):
    real = mirror_copy.real("census21_lsoa_population").read_text()
    line = '"Hartlepool 001A","E01011954",2284,166,169,163,129,'
    assert line in real
    mirror_copy("census21_lsoa_population", real.replace(line, line.replace(",129,", ",130,")))
    pattern = (
        rf"census21_lsoa_population.*{CENSUS_FILE}: the 18 age bands do not add up to "
        r"'Total' in 1 LSOA\(s\): E01011954 \(bands 2,285, total 2,284\)"
    )
    with pytest.raises(DataError, match=pattern):
        PR.read_age_bands()


def test_a_band_that_is_not_a_whole_number_is_named(fake_mirror, any_size):
    bad = [1, "x", *range(3, 19)]
    write_census(fake_mirror, nomis_query([("Area 001A", "E01000001", 171, bad)]))
    with pytest.raises(
        DataError,
        match=r"column 'Aged 5 to 9 years' must hold whole numbers from 0 to 50,000 "
        r"\(residents of one LSOA\); 1 row\(s\) do not: E01000001 \('x'\)",
    ):
        PR.read_age_bands()
    negative = [1, -2, *range(3, 19)]
    write_census(fake_mirror, nomis_query([("Area 001A", "E01000001", 171, negative)]))
    with pytest.raises(DataError, match=r"'Aged 5 to 9 years' must hold whole numbers.*E01000001"):
        PR.read_age_bands()


def test_a_missing_band_column_is_named(fake_mirror, any_size):
    text = nomis_query([("Area 001A", "E01000001", 171, BANDS_A)])
    write_census(fake_mirror, text.replace('"Aged 85 years and over"', '"Aged 85+"'))
    with pytest.raises(
        DataError,
        match=r"expected the 18 five-year age-band columns.*"
        r"missing \['age_85_plus'\]",
    ):
        PR.read_age_bands()


# ---------------------------------------------------------------------------- IMD


@pytest.fixture()
def imd_lines(mirror_copy):
    return mirror_copy.real("imd2025_lsoa21").read_text().splitlines()


def put_imd(mirror_copy, lines: list[str]) -> None:
    mirror_copy("imd2025_lsoa21", "\n".join(lines) + "\n")


def test_the_real_file_reads(imd_lines, mirror_copy):
    df = PR.read_imd()
    assert len(df) == 33_755 and list(df.columns) == ["code", *PR.IMD_COLUMNS]
    first = imd_lines[1].split(",")
    assert df.loc[0, "code"] == first[0] and df.loc[0, "imd_score"] == float(first[1])
    assert sorted(df["imd_rank"]) == list(range(1, 33_756))


def test_a_missing_lsoa_is_named(imd_lines, mirror_copy):
    gone = imd_lines.pop(5)  # file line 6
    code, rank = gone.split(",")[0], gone.split(",")[2]
    put_imd(mirror_copy, imd_lines)
    with pytest.raises(
        DataError,
        match=rf"imd2025_lsoa21.*{IMD_FILE}: has 33,754 LSOAs, expected "
        rf"33,755 \(IMD rank\(s\) {rank} belong to no row",
    ):
        PR.read_imd()
    real = mirror_copy.real("imd2025_lsoa21").read_text().splitlines()
    every = [ln.split(",")[0] for ln in real[1:]]
    pattern = (
        rf"{IMD_FILE}: expected one row for each of the 33,755 English LSOAs; "
        rf"missing 1 \({code}\)$"
    )
    with pytest.raises(DataError, match=pattern):
        PR.read_imd(every)


def test_a_duplicated_lsoa_is_named(imd_lines, mirror_copy):
    put_imd(mirror_copy, [*imd_lines, imd_lines[1]])
    code = imd_lines[1].split(",")[0]
    pattern = (
        rf"{IMD_FILE}: LSOA\(s\) listed more than once, expected one row each: "
        rf"{code} \(line 2\), {code} \(line 33757\)"
    )
    with pytest.raises(DataError, match=pattern):
        PR.read_imd()


def _set(lines: list[str], line_no: int, column: int, value: str) -> tuple[list[str], str]:
    cells = lines[line_no - 1].split(",")
    cells[column] = value
    lines[line_no - 1] = ",".join(cells)
    return lines, cells[0]


def test_scores_out_of_range_are_named(imd_lines, mirror_copy):
    lines, code = _set(list(imd_lines), 3, 4, "1.5")  # Income Score (rate)
    put_imd(mirror_copy, lines)
    pattern = (
        rf"{IMD_FILE}: column 'Income Score \(rate\)' must be a rate between 0 and 1; "
        rf"1 row\(s\) are not: {code} \(line 3: 1.5\)"
    )
    with pytest.raises(DataError, match=pattern):
        PR.read_imd()
    lines, code = _set(list(imd_lines), 10, 1, "-4.2")  # IMD score
    put_imd(mirror_copy, lines)
    pattern = (
        r"'Index of Multiple Deprivation \(IMD\) Score' must be a score between 0 and 100"
        rf".*{code} \(line 10: -4.2\)"
    )
    with pytest.raises(DataError, match=pattern):
        PR.read_imd()


def test_empty_scores_ranks_and_deciles_are_named(imd_lines, mirror_copy):
    lines, code = _set(list(imd_lines), 7, 13, "")  # Health Deprivation and Disability Score
    put_imd(mirror_copy, lines)
    pattern = (
        r"'Health Deprivation and Disability Score' has 1 empty or non-numeric "
        rf"cell\(s\): {code} \(line 7\)"
    )
    with pytest.raises(DataError, match=pattern):
        PR.read_imd()
    lines, code = _set(list(imd_lines), 4, 3, "11")  # IMD decile
    put_imd(mirror_copy, lines)
    pattern = rf"IMD\) Decile .* must hold deciles 1..10.*{code} \(line 4: 11"
    with pytest.raises(DataError, match=pattern):
        PR.read_imd()


def test_ranks_must_be_unique_for_the_imd(imd_lines, mirror_copy):
    other_rank = imd_lines[1].split(",")[2]
    lines, code = _set(list(imd_lines), 9, 2, other_rank)
    put_imd(mirror_copy, lines)
    pattern = rf"IMD\) Rank .* gives the same rank to several LSOAs.*{code} \(line 9: {other_rank}"
    with pytest.raises(DataError, match=pattern):
        PR.read_imd()


def test_atoms_whose_residents_differ_from_their_bands_are_named(mirror_copy):
    atoms = PR.read_age_bands()[["code", "residents"]].copy()
    people = PR.attach_people(atoms)
    assert list(people.columns) == ["code", "residents", *PR.PEOPLE_COLUMNS]
    atoms.loc[atoms["code"] == "E01011954", "residents"] += 1
    with pytest.raises(
        DataError,
        match=r"age bands do not add up to the residents of 1 atom\(s\): "
        r"E01011954",
    ):
        PR.attach_people(atoms)
    with pytest.raises(DataError, match=r"LSOAs; unknown 1 \(E01011954\)"):
        PR.attach_people(atoms[atoms["code"] != "E01011954"].pipe(pd.DataFrame))
