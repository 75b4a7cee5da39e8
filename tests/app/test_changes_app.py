"""AppTest of the Changes page and of links carrying old codes, on the real atlases.

The headline is checked against the published April 2026 changes (42 ICBs became 36; 10,207 LSOAs
changed ICB, ICB_CHANGES_2026.md); the CSV holds exactly the rows and values the table shows; an
upload is re-based with totals kept, and bad uploads (duplicates, codes of another vintage, a file
over 50 MB) get a clear message, with nothing written to disk.
"""

from __future__ import annotations

import builtins
import io

import pandas as pd
import pytest
from test_app import _file, downloads, no_exception, open_page, texts  # noqa: F401 (fixture)

from ics_maps.analysis.crosswalk import crosswalk
from ics_maps.analysis.rebase import MAX_BYTES

BLMK_2024, CENTRAL_EAST_2026 = "E54000024", "E54000065"


@pytest.fixture(scope="module")
def xw(atlas_2024, atlas_2026):
    return crosswalk(atlas_2024, atlas_2026, "icb")


def errors(at) -> str:
    """The page's error messages as the user reads them (Markdown escapes removed)."""
    return " ".join(texts(at, "error")).replace("\\", "")


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def open_tab(at, tab: str):
    at.session_state["changes_tab"] = tab
    at.run()
    no_exception(at)
    return at


def download(at, store, key: str) -> bytes:
    buttons = [b for b in at.get("download_button") if b.proto.id and key in b.proto.id]
    assert len(buttons) == 1, [b.proto.id for b in at.get("download_button")]
    return _file(store, buttons[0].proto)


def test_headline_2024_to_2026(atlas_2024, atlas_2026):
    at = open_page("changes")
    no_exception(at)
    assert not at.warning and not at.error
    assert metric_values(at) == {
        "ICSs": "42 → 36",
        "Unchanged": "29",
        "Recoded": "0",
        "Merged": "9",
        "Split": "3",
        "Boundary change": "1",
    }
    head = " ".join(texts(at, "markdown"))
    assert "**42 ICSs (2024) → 36 ICSs (2026).**" in head and "10,207 LSOAs" in head
    # the choices are in the link, vintages always (a shared comparison keeps its meaning)
    assert at.query_params["from"] == "2024" and at.query_params["to"] == "2026"
    assert at.get("plotly_chart"), "the Sankey is on the first tab"


def test_other_tiers_and_vintages_from_the_link():
    at = open_page("changes", {"tier": "sicbl", "from": "2021", "to": "2022"})
    no_exception(at)
    assert metric_values(at)["CCGs → sub-ICB locations"] == "106 → 106"
    at = open_page("changes", {"from": "2026", "to": "2026"})
    assert any("choose two different vintages" in i for i in texts(at, "info"))
    at = open_page("changes", {"tier": "pcn", "from": "1999"})
    warn = " ".join(texts(at, "warning"))
    assert "Unknown tier “pcn”" in warn and "Unknown vintage to compare from “1999”" in warn


def test_crosswalk_csv_is_the_table_shown(xw, downloads):  # noqa: F811
    at = open_tab(open_page("changes"), "Crosswalk table")
    shown = at.dataframe[0].value
    csv = pd.read_csv(io.BytesIO(download(at, downloads, "changes_table")))
    assert list(csv.columns) == list(xw.columns) == list(shown.columns)
    assert len(csv) == len(shown) == len(xw)
    for col in ("from_code", "from_name", "to_code", "to_name", "change", "residents"):
        assert csv[col].tolist() == shown[col].tolist(), col
    for col in ("share_of_from", "share_of_to"):  # the table shows percentages of the fractions
        assert (csv[col] - shown[col] / 100).abs().max() < 1e-6
    # narrowed to the split units: the table and the CSV alike
    at.multiselect(key="changes_labels").set_value(["split"]).run()
    shown = at.dataframe[0].value
    csv = pd.read_csv(io.BytesIO(download(at, downloads, "changes_table")))
    assert set(shown["change"]) == set(csv["change"]) == {"split"}
    assert csv["from_code"].tolist() == shown["from_code"].tolist()
    assert sorted(set(csv["from_code"])) == ["E54000023", "E54000025", "E54000034"]
    assert len(csv) == 7


def upload(at, name: str, data: bytes):
    at.file_uploader(key="rebase_upload").set_value((name, data, "text/csv"))
    at.run()
    no_exception(at)
    return at


@pytest.fixture()
def no_disk_writes(monkeypatch):
    """Records every file opened for writing while the page runs (there should be none)."""
    written: list[str] = []
    real = builtins.open

    def spy(file, mode="r", *args, **kwargs):
        if any(m in str(mode) for m in "wax+"):
            written.append(str(file))
        return real(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    return written


def test_upload_a_good_file_rebases_with_totals_kept(atlas_2024, xw, downloads, no_disk_writes):  # noqa: F811
    codes = atlas_2024.tier("icb")["code"].tolist()
    good = pd.DataFrame({"icb_code": codes, "admissions": range(100, 100 + len(codes))})
    at = open_tab(open_page("changes"), "Re-base your figures")
    upload(at, "admissions 2024.csv", good.to_csv(index=False).encode())
    assert not at.error, texts(at, "error")
    assert any("Re-based: 36 rows" in s for s in texts(at, "success"))
    result = pd.read_csv(io.BytesIO(download(at, downloads, "rebase_result")))
    # totals kept (the CSV keeps 2 decimals of a fractional count: 0.005 per row at most)
    assert result["admissions"].sum() == pytest.approx(good["admissions"].sum(), abs=0.005 * 36)
    # Central East (2026) = all of BLMK and of Cambridgeshire and Peterborough + the Hertfordshire
    # part of Herts and West Essex (ICB_CHANGES_2026.md)
    n = good.set_index("icb_code")["admissions"]
    herts = xw.set_index(["from_code", "to_code"]).loc[("E54000025", CENTRAL_EAST_2026)]
    part = n["E54000025"] * herts["share_of_from"]
    want = n[BLMK_2024] + n["E54000056"] + part
    ce = result.set_index("to_code").loc[CENTRAL_EAST_2026]
    assert ce["admissions"] == pytest.approx(want, abs=0.005)
    assert ce["admissions_apportioned_share"] == pytest.approx(part / want, abs=1e-6)
    assert set(ce["from_codes"].split("; ")) == {
        "E54000024 100.0%",
        "E54000056 100.0%",
        f"E54000025 {100 * herts['share_of_from']:.1f}%",
    }
    shown = at.dataframe[0].value
    assert len(shown) == len(result) and shown["to_code"].tolist() == result["to_code"].tolist()
    assert no_disk_writes == []


def test_bad_uploads_get_clear_messages(atlas_2026, no_disk_writes):
    at = open_tab(open_page("changes"), "Re-base your figures")
    upload(at, "dups.csv", b"icb_code,deaths\nE54000024,1\nE54000024,2\n")
    err = errors(at)
    assert "dups.csv: 2 rows repeat the same icb_code (e.g. 'E54000024') at line(s) 2, 3" in err
    codes_2026 = "\n".join(f"{c},1" for c in ("E54000065", "E54000066", "E54000024"))
    upload(at, "new codes.csv", f"icb_code,deaths\n{codes_2026}\n".encode())
    err = errors(at)
    assert "2 of 3 rows have codes that are not icb 2024 codes" in err
    assert "at line(s) 2, 3" in err and "they match icb 2026 GSS codes (2 rows)" in err
    upload(at, "text.csv", b"icb_code,deaths\nE54000024,many\nE54000025,3\n")
    assert "column 'deaths' has non-numeric or empty values at line(s) 2" in errors(at)
    upload(at, "rate.csv", b"icb_code,death_rate,population\nE54000024,3.2,1000\n")
    assert "'death_rate' looks like a rate" in errors(at)  # until its denominator is chosen
    den = [s for s in at.selectbox if s.label == "Denominator of death_rate"]
    den[0].set_value("population").run()
    assert not at.error and any("Re-based: 1 row" in s for s in texts(at, "success"))
    big = b"icb_code,deaths\n" + b"E54000024,1\n" * (MAX_BYTES // 12 + 1)
    upload(at, "big.csv", big)
    assert "big.csv is 50.0 MB: files over 50 MB are refused" in errors(at)
    assert not at.get("download_button") and no_disk_writes == []


def test_a_2024_code_in_a_system_link_opens_its_successor():
    at = open_page("system", {"vintage": "2026", "icb": BLMK_2024})
    no_exception(at)
    note = " ".join(texts(at, "info"))
    assert "NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board (E54000024)" in note
    assert "a 2024 system that is not in the 2026 vintage" in note and "100% of its" in note
    assert at.selectbox(key="w_icb").value == CENTRAL_EAST_2026
    assert at.query_params["icb"] == CENTRAL_EAST_2026 and not at.warning
    # a link to what changed, carrying its vintages (the default 2026 too)
    (link,) = [p.proto for p in at.get("page_link") if p.proto.page == "changes"]
    assert link.query_string == "tier=icb&from=2024&to=2026&vintage=2026"


def test_a_ccg_code_in_a_system_link_opens_the_system_holding_it():
    # NHS Derby and Derbyshire CCG (April 2021), whole in Derby and Derbyshire ICB in 2026
    at = open_page("system", {"vintage": "2026", "icb": "E38000229"})
    no_exception(at)
    assert "a 2021 sub-ICB location" in " ".join(texts(at, "info"))
    assert at.selectbox(key="w_icb").value == "E54000058" and not at.warning
    at = open_page("system", {"vintage": "2026", "icb": "E99999999"})  # no vintage knows it
    assert any("No ICB with code “E99999999”" in w for w in texts(at, "warning"))


@pytest.mark.parametrize("page", ["overview", "coterminosity", "changes"])
def test_every_page_says_which_layers_are_later_than_the_vintage(page):
    at = open_page(page, {"vintage": "2022"})
    no_exception(at)
    assert (
        "Kept from later dates than these July 2022 NHS boundaries: councils as of May 2023, "
        "PCNs and practices as of 1 October 2024 and GP list sizes as of 1 April 2025."
    ) in texts(at, "caption")
