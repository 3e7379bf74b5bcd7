"""The Swedish catalogue is complete and its compiled .mo matches the .po."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import workbench

ROOT = Path(workbench.__file__).parent
PO = ROOT / "translations" / "sv" / "LC_MESSAGES" / "messages.po"


def test_every_public_string_has_a_swedish_translation():
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}
    source_ids = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map=method_map, keywords=keywords
        )
        if isinstance(message, str)
    }
    with PO.open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    untranslated = sorted(i for i in source_ids if not catalogue.get(i))
    assert not untranslated, f"run `make translations` and translate: {untranslated}"


def test_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with PO.with_suffix(".mo").open("rb") as handle:
        mo = {m.id: m.string for m in read_mo(handle) if m.id}
    assert po == mo, "the .mo is stale: run `make translations`"
