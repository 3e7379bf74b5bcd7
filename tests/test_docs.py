"""The documentation holds together: every relative link resolves, the README links every
page under docs/, and the README stays the short front door (ARCHITECTURE.md 3)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 200

MARKDOWN_FILES = [README, *sorted(DOCS.rglob("*.md"))]
FENCE = re.compile(r"^ *(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target); the text may hold one level of brackets, and may run over
# lines (a wrapped paragraph); the target ends at the first space (before an optional title).
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^\s)>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
)
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans (links there are not links)."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            kept.append("")
            continue
        kept.append("" if fenced else re.sub(r"`[^`\n]*`", "``", line))
    return "\n".join(kept)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger): Markdown dropped, lower case,
    punctuation other than hyphens and underscores removed, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    found.update(re.findall(r"""<a\s+(?:name|id)=["']([^"']+)["']""", path.read_text("utf-8")))
    return found


def links(path: Path) -> list[str]:
    text = prose(path.read_text(encoding="utf-8"))
    return INLINE_LINK.findall(text) + REFERENCE_DEFINITION.findall(text)


def is_external(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)) or target.startswith("//")


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in links(path):
        if is_external(target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target} (no file {destination})")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target} (no heading #{anchor} in {relative(destination)})")
        elif anchor and destination.is_dir():
            broken.append(f"{target} (an anchor into a folder)")
    return broken


def test_the_checks_find_links_and_anchors():
    """The checks below mean nothing if they find no links or compute slugs wrongly."""
    assert slug('Transparency page ("you said, we did", `/transparency`)') == (
        "transparency-page-you-said-we-did-transparency"
    )
    assert slug("Running a session (`/studies/<id>/sessions`, `/sessions/<id>`)") == (
        "running-a-session-studiesidsessions-sessionsid"
    )
    assert slug("Topic engine (BANKING77)") == "topic-engine-banking77"
    assert "who-does-what" in anchors(README)
    assert any(target.startswith("docs/") for target in links(README))
    text = "See [a\nwrapped link](x.md#y) and `[code](not-a-link.md)`.\n```\n[no](z.md)\n```\n"
    assert INLINE_LINK.findall(prose(text)) == ["x.md#y"]


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=relative)
def test_every_relative_link_resolves(path):
    assert broken_links(path) == [], f"broken links in {relative(path)}"


def test_the_readme_links_every_page_under_docs():
    linked = {
        (ROOT / unquote(target.partition("#")[0])).resolve()
        for target in links(README)
        if not is_external(target)
    }
    pages = {path.resolve() for path in DOCS.rglob("*.md")}
    missing = sorted(relative(path) for path in pages - linked)
    assert missing == [], f"the README's 'Where to read on' must link {missing}"


def test_the_readme_is_the_short_front_door():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines; keep it at most {README_MAX_LINES}, the rest goes to docs/"
    )
