"""Text from data or a URL made safe for Streamlit's Markdown elements: shown as typed, never as
Markdown, HTML, LaTeX, coloured text, an icon, an emoji or a link."""

from __future__ import annotations

import html
import re

# Some of Streamlit's Markdown is rewritten in the text after parsing, where a backslash no
# longer stands between the characters: emoji and icon shortcodes (':smile:', ':material_x:',
# ':streamlit:'), links made of bare addresses ('https://', 'www.', 'a@b.dk') and the typographic
# arrows ('->', '<=', '--'). An invisible word joiner (U+2060) keeps those characters apart.
JOINER = "\u2060"
_SHORTCODE = re.compile(r"([:@])(?=\S)")
_WWW = re.compile(r"(?i)(www)(?=\.)")
_ARROW = re.compile(r"([<>~-])(?=[<>=-])")
# A backslash before an ASCII punctuation character makes it plain in (GitHub-flavoured)
# Markdown. Escaped anywhere: what starts emphasis, code, links and images ('[', so also
# '![x](url)'), HTML and autolinks ('<'), entities ('&'), strikethrough ('~'), Streamlit's LaTeX
# ('$') and its directives (':red[...]', ':name'); a colon before a space starts nothing.
_INLINE = re.compile(r"([\\`*_\[\]<>&$~]|:(?=\S))")
# A line's first characters can start a block (heading, list, rule, table, numbered list): with
# the whitespace collapsed, a text can only start a line where it starts.
_BLOCK = re.compile(r"^( ?)([#+\-=|])")
_ORDERED = re.compile(r"^( ?\d{1,9})([.)])")
_SPACE = re.compile(r"\s+")  # a line break, tab or run of spaces would start a block (a list, code)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def md(value: object) -> str:
    """Data or URL text for st.markdown, st.caption, st.info, st.warning, titles and labels."""
    text = _SPACE.sub(" ", "" if value is None else str(value))
    for pattern in (_ARROW, _WWW, _SHORTCODE):
        text = pattern.sub(r"\1" + JOINER, text)
    text = _INLINE.sub(r"\\\1", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BLOCK.sub(r"\1\\\2", text)


def shown(markdown: str) -> str:
    """What the browser shows for text escaped by md() (for tests, and to read such text back)."""
    return _ESCAPED.sub(r"\1", markdown).replace(JOINER, "")


def chart(value: object) -> str:
    """Data text for a Plotly label, hover text or annotation: Plotly reads '<a href=...>', '<b>'
    and '<br>' in them as markup (a link would be live), and shows '&lt;' as '<'."""
    return html.escape("" if value is None else str(value), quote=False)
