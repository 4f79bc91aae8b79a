"""The README is the front door: short enough to read through, and every design note it points to exists. Long
prose lives in docs/, one topic per file, each named from the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_LINES = 220
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def links(path: Path) -> set[str]:
    """The relative link targets of a Markdown file (no web addresses, no anchors within the file)."""
    return {t for t in LINK.findall(path.read_text(encoding="utf-8")) if "://" not in t}


def test_the_readme_is_short_and_names_every_design_note_which_exists():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES
    assert [doc.name for doc in sorted((ROOT / "docs").glob("*.md")) if f"docs/{doc.name}" not in text] == []
    targets = links(README)
    assert any(t.startswith("docs/") for t in targets)
    assert sorted(t for t in targets if not (ROOT / t).exists()) == []
    # and the notes' own links resolve
    assert [(doc.name, t) for doc in (ROOT / "docs").glob("*.md") for t in links(doc)
            if not (doc.parent / t).exists()] == []


def test_the_readme_keeps_its_sections():
    headings = re.findall(r"^## (.+)$", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert {"Quick start", "First run against the live portal", "Data credits", "Settings",
            "Where to change what"} <= set(headings)
