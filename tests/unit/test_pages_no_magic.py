"""Streamlit's "magic" is off (``.streamlit/config.toml``: ``runner.magicEnabled = false``): with it
on, a page's source was parsed and rewritten on every view of a quiet server (Streamlit drops its
compiled scripts when the last session closes), 4-10 ms of each view's server CPU. With it off, a
bare expression on a page (``df`` alone on a line) would silently show nothing, so no page or the
main script may hold one."""

from __future__ import annotations

import ast
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "ics_maps" / "app" / "navigation.py"]


def bare_expressions(source: str) -> list[int]:
    """Lines of statements that magic would have written to the page: expressions that are not a
    call, an await or a docstring."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and id(node) not in docstrings
        and not isinstance(node.value, ast.Call | ast.Await | ast.Yield | ast.YieldFrom)
    ]


def test_magic_is_off():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["runner"]["magicEnabled"] is False


def test_the_check_finds_what_magic_would_write():
    source = '"""Doc."""\nimport streamlit as st\nx = 1\nx\n"a note"\nst.write(x)\n'
    assert bare_expressions(source) == [4, 5]


def test_no_page_relies_on_magic():
    assert len(SCRIPTS) >= 9
    found = {p.name: bare_expressions(p.read_text()) for p in SCRIPTS}
    assert {name: lines for name, lines in found.items() if lines} == {}
