"""Every measure shown is defined in docs/definitions.md, and every page is listed in the README."""

import re

import settings
from ui import labels

DOCS = settings.ROOT / "docs"


def test_every_measure_has_a_written_definition():
    text = (DOCS / "definitions.md").read_text(encoding="utf-8")
    # Every dict of definitions in ui/labels.py, so a new page's measures are covered too.
    keys = [key for name, table in vars(labels).items() if name.endswith("DEFINITIONS") for key in table]
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"not defined in docs/definitions.md: {missing}"


def test_every_page_is_in_the_navigation_and_the_readme():
    app = (settings.ROOT / "app.py").read_text(encoding="utf-8")
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((settings.ROOT / "pages").glob("*.py")):
        assert f'"pages/{page.name}"' in app, f"{page.name} is not in the navigation"
        assert f"pages/{page.name}" in readme, f"{page.name} is not described in the README"


def test_the_contract_doc_names_every_contract_column():
    from etl.contract import TABLES

    text = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        for column in table.columns:
            assert re.search(rf"`{column.name}`", text), f"{table.name}.{column.name} missing in the contract doc"


def test_disclosure_rules_are_documented_in_both_languages():
    text = (DOCS / "disclosure.md").read_text(encoding="utf-8")
    for phrase in ("Små tal skjules", "Small counts are hidden", "differencing", "sekundær", "`..`"):
        assert phrase in text


def test_every_released_table_is_documented(tiny_db):
    import duckdb

    text = (DOCS / "release.md").read_text(encoding="utf-8")
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'rel_')")
                  .fetchall()]
    finally:
        con.close()
    assert len(tables) >= 10
    missing = [t for t in tables if f"`{t}`" not in text]
    assert not missing, f"not described in docs/release.md: {missing}"
