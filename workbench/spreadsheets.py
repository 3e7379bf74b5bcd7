"""Cells for CSV files that people open in a spreadsheet: the one guard against formulas.

Every CSV export writes its cells through :func:`neutralise_formula` (texts, sources, titles and
ids all come from outside). A spreadsheet runs a cell as a formula when it starts with ``=``,
``+``, ``-`` or ``@`` (some also after leading spaces or quotes, or after a tab or carriage
return), so such a cell gets a leading apostrophe, which spreadsheets show as text.

The exports are comma-separated, but a spreadsheet in a Swedish (or German, French …) locale
splits a ``.csv`` file on ``;``, its list separator, and does not honour quotes that start
mid-field, so a line break inside a cell ends its row there. ``ok;=HYPERLINK(…)`` then puts a
formula in the next column. Each piece after a ``;``, tab or line break is guarded like a cell
of its own: ``ok;'=HYPERLINK(…)``. The price is an apostrophe in ordinary text such as a list
written as "bra;\\n- snabb leverans"; an export is for analysis, and that is the safe side.
"""

from __future__ import annotations

import re

# Where a spreadsheet may start a cell: the start of the text, or after a separator that some
# locale or paste splits on. What follows counts as a formula when, after spaces, tabs, line
# breaks or double quotes (a quoted "=1+1" is still a formula), it starts with = + - or @.
_FORMULA_START = re.compile(r"(?:^|(?<=[;\t\r\n]))(?=[\s\"]*[=+\-@])|^(?=[\t\r])")


def neutralise_formula(text: str) -> str:
    """``text`` with an apostrophe wherever a spreadsheet could start a formula.

    ``"=1+1"`` becomes ``"'=1+1"``, ``"ok;=1+1"`` becomes ``"ok;'=1+1"``, a cell starting with
    a tab or carriage return is prefixed too; text without such a start is returned unchanged.
    """
    return _FORMULA_START.sub("'", text)
