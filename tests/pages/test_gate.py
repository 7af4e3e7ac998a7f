"""Pages reach the screen only through the ui helpers, which accept only protected data."""

import ast

import plotly.graph_objects as go
import polars as pl
import pytest

import settings
from tests.protect import protect_count, protect_table
from ui import charts, widgets

# Streamlit calls that put numbers on the screen or in a file; pages must use ui.widgets.
OUTPUT_CALLS = {"metric", "dataframe", "table", "plotly_chart", "download_button", "write", "json",
                "line_chart", "bar_chart", "area_chart", "scatter_chart", "data_editor", "altair_chart"}


@pytest.mark.parametrize("page", sorted((settings.ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_call_no_streamlit_output_directly(page):
    tree = ast.parse(page.read_text(encoding="utf-8"))
    direct = [
        f"line {node.lineno}: st.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"
        and node.func.attr in OUTPUT_CALLS
    ]
    assert not direct, f"{page.name} shows data without the disclosure gate: {direct}"


def test_pages_import_no_sql_or_statistics():
    for page in (settings.ROOT / "pages").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        assert "duckdb" not in text and "select " not in text.lower(), page.name


def test_widgets_refuse_unprotected_data():
    with pytest.raises(TypeError):
        widgets.metric("x", 3)
    with pytest.raises(TypeError):
        widgets.table(pl.DataFrame({"n": [3]}), {"n": "Antal"})
    with pytest.raises(TypeError):
        widgets.chart(go.Figure())
    with pytest.raises(TypeError):
        charts.persons_in_course_trend(pl.DataFrame({"quarter_end": [], "persons_in_course": []}), pl.DataFrame(), (None, None))
    assert protect_count(3).hidden and protect_table(pl.DataFrame({"n": [3]}), counts=["n"]).any_hidden


def test_no_python_callbacks_inside_polars_on_the_app_side():
    # A Python function inside a Polars expression deadlocked the server under Streamlit's script
    # threads (eight sessions at once): the app side computes such columns with expressions.
    callbacks = {"map_elements", "map_batches", "map_rows", "apply", "map_groups"}
    found = []
    for folder in ("analysis", "ui", "pages"):
        for path in (settings.ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in callbacks:
                    found.append(f"{path.relative_to(settings.ROOT)}:{node.lineno} .{node.attr}")
    assert not found, found
