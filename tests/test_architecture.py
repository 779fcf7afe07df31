"""docs/architecture.md maps every module, and the code keeps no ancestry notes (they live in that doc)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"


def _modules() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "labkit").rglob("*.py"))


def _listed(text: str) -> set[str]:
    return set(re.findall(r"^\| `(labkit/[\w/]+\.py)` \|", text, re.MULTILINE))


def test_every_module_has_a_line_in_the_map() -> None:
    listed = _listed(DOC.read_text(encoding="utf-8"))
    assert [m for m in _modules() if m not in listed] == []
    assert sorted(listed - set(_modules())) == []  # and nothing listed that is gone


def test_every_layer_folder_is_named_in_the_map_and_the_readme() -> None:
    doc, readme = DOC.read_text(encoding="utf-8"), README.read_text(encoding="utf-8")
    folders = sorted({p.parent.relative_to(ROOT / "labkit").as_posix() for p in (ROOT / "labkit").rglob("__init__.py")}
                     - {"."})  # fmt: skip
    assert folders and all(f"`{folder}/`" in doc or f"`labkit/{folder}/" in doc for folder in folders)
    assert [f for f in folders if f"`{f.rsplit('/', 1)[-1]}/`" not in readme] == []


def test_the_map_check_notices_a_missing_module() -> None:
    assert _listed("| `labkit/core/_wire.py` | x |\n") == {"labkit/core/_wire.py"}
    assert _listed("`labkit/core/_wire.py` mentioned in prose\n") == set()


def test_no_ancestry_notes_in_the_code() -> None:
    """Comments say why; which inherited defect a choice retires is recorded in the map's table."""
    found = [p.relative_to(ROOT).as_posix() for p in (ROOT / "labkit").rglob("*.py")
             if re.search(r"letta", p.read_text(encoding="utf-8"), re.IGNORECASE)]  # fmt: skip
    assert found == []
