"""Implausible input is refused, naming the file, the row and the rule (issue 16, finding 3).

Each test breaks one real mirror file in a private copy (``mirror_copy``) the way the adversarial
test did: a practice map cut mid-line, registrations truncated by half, list sizes of 10¹⁵ and
−50,000, a Census count of −9,999, a garbled lookup code. The last test runs the whole build over a
saved atlas: the build stops and the saved atlas is served as it was, marked stale.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ics_maps import readers
from ics_maps.atlas._primary_care import check_registrations
from ics_maps.errors import DataError
from ics_maps.readers.people import read_age_bands, read_imd


def _lines(mirror_copy, dataset_id: str) -> list[str]:
    return mirror_copy.real(dataset_id).read_text(encoding="utf-8-sig").splitlines(keepends=True)


def test_a_practice_map_cut_mid_line_is_refused(mirror_copy):
    lines = _lines(mirror_copy, "gp_map_2025_10")
    keep = lines[:3001]
    last = keep[-1]
    cut = last[: last.index(",U") + 4]  # the PCN code cut to "U" and two digits, as in the issue
    assert re.search(r",U\d\d$", cut)
    path = mirror_copy("gp_map_2025_10", "".join(keep[:-1]) + cut)
    with pytest.raises(DataError) as err:
        readers.read_practice_map("gp_map_2025_10")
    msg = str(err.value)
    assert str(path) in msg and "ends in the middle of a line" in msg


def test_a_pcn_code_that_is_not_a_pcn_code_names_the_row(mirror_copy):
    df = pd.read_csv(mirror_copy.real("gp_map_2025_10"), dtype=str, keep_default_na=False)
    df.loc[2999, "PCN_CODE"] = "U53"
    path = mirror_copy("gp_map_2025_10", df.to_csv(index=False))
    with pytest.raises(DataError) as err:
        readers.read_practice_map("gp_map_2025_10")
    msg = str(err.value)
    assert f"{path}, data row 3,000: PCN_CODE = 'U53' is not a PCN code" in msg
    assert r"rule: codes match U(\d{5})?" in msg


@pytest.mark.parametrize("value", ["1000000000000000", "-50000", "12.5", "lots"])
def test_an_implausible_list_size_is_refused(mirror_copy, value):
    df = pd.read_csv(mirror_copy.real("gp_list_2025_04"), dtype=str, keep_default_na=False)
    gp = df.index[df["TYPE"].str.upper() == "GP"][10]
    df.loc[gp, "NUMBER_OF_PATIENTS"] = value
    path = mirror_copy("gp_list_2025_04", df.to_csv(index=False))
    with pytest.raises(DataError) as err:
        readers.read_list_sizes()
    msg = str(err.value)
    code = df.loc[gp, "CODE"]
    assert f"{path}, data row {gp + 1:,} (CODE {code}): NUMBER_OF_PATIENTS = '{value}'" in msg
    assert "rule: a whole number from 0 to 500,000" in msg


def test_a_negative_census_count_is_refused(mirror_copy):
    lines = _lines(mirror_copy, "census21_lsoa_population")
    i = next(n for n, ln in enumerate(lines) if ln.startswith('"') and "E01000001" in ln)
    cells = lines[i].rstrip("\n").split(",")
    total = next(n for n, c in enumerate(cells) if re.fullmatch(r"\d+", c.strip('"')))
    cells[total] = "-9999"
    lines[i] = ",".join(cells) + "\n"
    mirror_copy("census21_lsoa_population", "".join(lines))
    with pytest.raises(DataError, match=r"Total = '-9999' is not a plausible number of LSOA"):
        readers.read_census_population()


def test_a_garbled_lookup_code_is_refused(mirror_copy):
    df = pd.read_csv(mirror_copy.real("lsoa21_sicbl24_lookup"), dtype=str)
    df.loc[100, "ICB24CD"] = "E5400001"  # a digit lost
    mirror_copy("lsoa21_sicbl24_lookup", df.to_csv(index=False))
    with pytest.raises(DataError, match=r"data row 101: ICB24CD = 'E5400001' is not an ICB code"):
        readers.read_lsoa_lookup("lsoa21_sicbl24_lookup")


def _practices() -> pd.DataFrame:
    prac = readers.read_practice_map("gp_map_2025_10")
    return prac.merge(readers.read_list_sizes(), on="code", how="left")


def test_registrations_truncated_by_half_are_refused(mirror_copy):
    lines = _lines(mirror_copy, "gp_lsoa_2025_10")
    path = mirror_copy("gp_lsoa_2025_10", "".join(lines[: len(lines) // 2]))
    regs, report = readers.read_gp_lsoa_registrations()  # a complete file, just half of it
    with pytest.raises(DataError) as err:
        check_registrations(regs, _practices(), report["path"])
    msg = str(err.value)
    assert str(path) in msg and "of the 141 practices the practice map puts in ICB(s) QNC" in msg
    assert "rule: at least 95%" in msg


def test_the_real_registrations_pass(mirror_copy):
    regs, report = readers.read_gp_lsoa_registrations()
    check_registrations(regs, _practices(), report["path"])  # raises if the rule were too tight


def test_a_failed_check_keeps_the_previous_atlas(mirror_copy, tmp_path):
    """The whole build over a saved atlas: the cut practice map stops it; nothing is replaced."""
    from ics_maps.atlas import ensure_atlas, load_atlas, save_atlas
    from tests.unit.test_atlas_store import toy

    root = tmp_path / "atlas"
    save_atlas(toy("previous"), root)
    before = json.loads((root / "2024.json").read_text())
    lines = _lines(mirror_copy, "gp_map_2025_10")
    mirror_copy("gp_map_2025_10", "".join(lines[:3000]) + lines[3000][:40])
    atlas = ensure_atlas("2024", root=root)
    assert atlas.meta["m"] == "previous" and "ends in the middle of a line" in atlas.stale
    assert json.loads((root / "2024.json").read_text()) == before
    assert load_atlas("2024", root).meta["m"] == "previous"


def test_an_implausible_age_band_count_is_refused(mirror_copy):
    """The People profiles' reader of the same Census file (age bands) has the bound too."""
    lines = _lines(mirror_copy, "census21_lsoa_population")
    i = next(n for n, ln in enumerate(lines) if ln.startswith('"') and "E01000001" in ln)
    cells = lines[i].rstrip("\n").split(",")
    band = [n for n, c in enumerate(cells) if re.fullmatch(r'"?\d+"?', c)][3]
    cells[band] = "1000000000"
    lines[i] = ",".join(cells) + "\n"
    mirror_copy("census21_lsoa_population", "".join(lines))
    with pytest.raises(DataError) as err:
        read_age_bands()
    msg = str(err.value)
    assert "must hold whole numbers from 0 to 50,000" in msg and "E01000001 (1000000000)" in msg


def test_a_deprivation_file_cut_mid_line_is_refused(mirror_copy):
    lines = _lines(mirror_copy, "imd2025_lsoa21")
    cut = "".join(lines[:20000]) + lines[20000][:30]
    path = mirror_copy("imd2025_lsoa21", cut)
    with pytest.raises(DataError) as err:
        read_imd()
    assert str(path) in str(err.value) and "ends in the middle of a line" in str(err.value)
