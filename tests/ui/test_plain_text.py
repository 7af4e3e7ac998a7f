"""Text from data or a URL is shown as typed: Markdown, HTML, LaTeX, Streamlit's directives,
shortcodes, arrows and bare addresses in it are escaped, and the browser shows the text itself."""

from __future__ import annotations

import pytest

from ui.plain import JOINER, md, shown

HOSTILE = [
    "[klik](https://evil.example/x)",
    "![x](https://evil.example/p.png)",
    "<b>fed</b> <img src=https://evil.example/i.png>",
    ":red[rød] :blue-background[blå] :help[x]",
    "$x^2$ og $$y$$",
    ":material/warning: :material_warning: :smile: :+1: :streamlit:",
    "https://evil.example/a www.evil.example mail@evil.example <https://evil.example>",
    "a -> b <= c -- d",
    "**fed** _kursiv_ `kode` ~~slet~~",
    "&amp; &lt;",
    "\\*x\\*",
]
BLOCKS = ["# Overskrift", "- liste", "+ plus", "* stjerne", "> citat", "---", "=1+1", "| a | b |", "1. første",
          "2) anden", " - indrykket"]


@pytest.mark.parametrize("text", HOSTILE + BLOCKS)
def test_escaped_text_reads_back_as_typed(text):
    assert shown(md(text)) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_no_markup_survives_escaping(text):
    escaped = md(text)
    # Every character that opens Markdown, HTML, LaTeX or a directive has a backslash before it.
    for i, char in enumerate(escaped):
        if char in "[]<>$`*_~&" or (char == ":" and escaped[i + 1:i + 2] not in ("", " ")):
            assert escaped[i - 1] == "\\", (text, escaped, i)
    # What Streamlit rewrites after parsing (shortcodes, arrows, addresses) is kept apart.
    for pattern in (":material", ":smile", ":streamlit", "->", "<=", "--", "https:/", "www.", "@evil"):
        assert pattern not in escaped.replace("\\", "")


@pytest.mark.parametrize("text", BLOCKS)
def test_text_at_the_start_of_an_element_starts_no_block(text):
    escaped = md(text).lstrip(" ")
    digits = len(escaped) - len(escaped.lstrip("0123456789"))  # '1. første': the '.' is escaped
    assert escaped[digits] == "\\", escaped


def test_line_breaks_and_tabs_become_one_space():
    assert md("a\n\n- b\tc\r\n    d") == "a - b c d"  # no list, no code block: one line


def test_ordinary_danish_text_is_left_as_it_is():
    for text in ("Region Sjælland", "Pr. 1.000 forløb, 2016K1–2017K2", "afgørelse: ressourceforløb",
                 "«Til kvartal» lå før «Fra kvartal»", "45,7 % (95 %: 40,1–51,2)"):
        assert md(text) == text
    assert JOINER not in md("Borgeren først") and md(None) == ""


def test_chart_labels_from_data_are_text_to_plotly():
    import polars as pl

    from tests.protect import protect_table
    from ui import plain, pool_charts

    name = '<a href="https://evil.example">klik</a> & <b>fed</b>'
    assert plain.chart(name) == '&lt;a href="https://evil.example"&gt;klik&lt;/a&gt; &amp; &lt;b&gt;fed&lt;/b&gt;'
    grants = protect_table(pl.DataFrame({"municipality_name": [name], "focus_area": ["citizen_involvement"],
                                         "granted_dkk": [1_000_000], "spent_dkk": [500_000]}))
    figure = pool_charts.grants_chart(grants).figure
    labels = [y for trace in figure.data for y in trace.y]
    assert labels and all(label.startswith("&lt;a href=") and "<" not in label for label in labels)
