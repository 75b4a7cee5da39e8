"""Every page runs inside a function, so what a view computes is freed when its run ends.

A session keeps its widgets' functions (a selectbox's ``format_func``) for its whole life and a
download button's callable until no session refers to it; a function defined in a page script
holds the page module's namespace. With a page's work at module level, each open or recently
closed session kept its own copies of the page's tables (tests/app/test_page_memory.py measures
that on the real atlas). Here: no page does work at module level.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))


def module_level_work(source: str) -> list[str]:
    """Top-level statements of a page other than its docstring, imports, constant assignments,
    definitions and one final call of a function it defines."""
    tree = ast.parse(source)
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    defined = {n.name for n in body if isinstance(n, ast.FunctionDef)}
    found = []
    for i, node in enumerate(body):
        last = i == len(body) - 1
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign) and all(
            isinstance(t, ast.Name) and t.id.isupper()
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        ):
            continue  # a CONSTANT
        if (
            last
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in defined
            and not node.value.args
        ):
            continue
        found.append(f"line {node.lineno}: {type(node).__name__}")
    if not body or not isinstance(body[-1], ast.Expr):
        found.append("no final call of the page's function")
    return found


def test_the_check_finds_module_level_work():
    page = '"""Doc."""\nimport streamlit as st\nLIMIT = 3\nwith st.container():\n    x = 1\n'
    assert module_level_work(page) == ["line 4: With", "no final call of the page's function"]
    assert module_level_work(page.replace("LIMIT", "limit"))[0] == "line 3: Assign"
    good = '"""Doc."""\nimport streamlit as st\nLIMIT = 3\n\ndef show():\n    x = 1\n\nshow()\n'
    assert module_level_work(good) == []


def test_every_page_does_its_work_inside_a_function():
    assert len(PAGES) >= 9
    found = {p.name: module_level_work(p.read_text()) for p in PAGES}
    assert {name: lines for name, lines in found.items() if lines} == {}
