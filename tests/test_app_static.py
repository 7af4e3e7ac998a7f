"""No Python callbacks inside Polars expressions or DuckDB queries anywhere in the app: a Python
function called from the engines' own threads needs the interpreter lock, and under Streamlit's
script threads that froze the server for good (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

import settings

ROOT = Path(settings.ROOT)
APP = [ROOT / "app.py", ROOT / "settings.py",
       *(p for folder in ("pages", "ui", "analysis", "stats") for p in sorted((ROOT / folder).rglob("*.py")))]

# Polars methods and functions that run a Python function on the data (Expr, Series, DataFrame,
# LazyFrame, GroupBy, and the older names), and DuckDB's Python user-defined functions.
CALLBACKS = {"map_elements", "map_batches", "map_groups", "map_rows", "apply", "map", "rolling_map",
             "fold", "reduce", "cum_fold", "cum_reduce", "cumfold", "cumreduce", "create_function"}


def callbacks(source: str, name: str = "<source>") -> list[str]:
    """Each use of a callback method, and each `.pipe` given a lambda, as 'file:line: text'."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Attribute) and node.attr in CALLBACKS:
            found.append(f"{name}:{node.lineno}: .{node.attr}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pipe"
              and any(isinstance(a, ast.Lambda) for a in [*node.args, *(k.value for k in node.keywords)])):
            found.append(f"{name}:{node.lineno}: .pipe(lambda ...)")
    return found


def test_the_scan_finds_each_kind_of_callback():
    source = (
        "import polars as pl\n"
        "a = pl.col('x').map_elements(lambda v: v + 1)\n"
        "b = frame.group_by('g').map_groups(f)\n"
        "c = pl.fold(0, lambda acc, x: acc + x, pl.all())\n"
        "d = lazy.map_batches(f)\n"
        "e = pl.col('x').pipe(lambda e: e * 2)\n"
        "con.create_function('f', f)\n"
        "g = pl.Expr.map_elements\n"
    )
    assert len(callbacks(source)) == 7
    assert callbacks("frame.pipe(add_totals)\nframe.with_columns(pl.col('x') * 2)\n") == []


def test_the_app_has_no_python_callbacks_in_polars_or_duckdb():
    assert len(APP) > 20  # the scan reaches the app's modules
    found = [hit for path in APP for hit in callbacks(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, "Python callbacks inside the engines (compute in SQL or in vectorised expressions):\n" + \
        "\n".join(found)
