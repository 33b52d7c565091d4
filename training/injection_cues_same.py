"""Check that the current injection cues return exactly what cues v1 returned, on all our texts.

Why: cues v1 was judged once on blind sets (``training/injection_cues_dev.py``) and failed on cost
alone. v2 is only allowed to be cheaper; this script proves it changed no decision by comparing
``find_cues`` with v1's, loaded verbatim from git revision ``bb3ff3b``, on every text of every
file under ``training/data``. Run: ``python -m training.injection_cues_same``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

from safeship.detectors._injection_cues import find_cues
from training.train_refusal import DATA

V1 = "bb3ff3b"
ROOT = Path(__file__).resolve().parents[1]
MODULES = ("_injection_cue_lexicon", "_injection_cues")


def _v1() -> ModuleType:
    """v1's matcher and lexicon, imported from git under a private package name."""
    tmp = Path(tempfile.mkdtemp(prefix="cues-v1-"))
    package = tmp / "cues_v1"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in MODULES:
        source = subprocess.run(
            ["git", "show", f"{V1}:src/safeship/detectors/{name}.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        source = source.replace(
            "safeship.detectors._injection_cue_lexicon", "cues_v1._injection_cue_lexicon"
        )
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    spec = importlib.util.find_spec("cues_v1._injection_cues")
    assert spec is not None
    return importlib.import_module("cues_v1._injection_cues")


def texts() -> Iterator[tuple[str, str]]:
    """(file name, text) for every string field of every row under ``training/data``."""
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict):
                for value in row.values():
                    if isinstance(value, str) and value.strip():
                        yield path.name, value


def _key(find: Callable[[str], list[object]], text: str) -> list[tuple[str, str, int, int]]:
    return [(c.family, c.lang, c.start, c.end) for c in find(text)]  # type: ignore[attr-defined]


def main() -> None:
    old = _v1()
    n = hits = 0
    differ: list[tuple[str, int]] = []
    for i, (name, text) in enumerate(texts()):
        a, b = _key(old.find_cues, text), _key(find_cues, text)
        n += 1
        hits += bool(a)
        if a != b:
            differ.append((name, i))
    print(f"{n} texts, {hits} with a v1 cue; {len(differ)} differ")
    for name, i in differ[:20]:
        print(f"  {name}: text #{i} (texts are not printed: some files are blind dev sets)")
    print("SAME" if not differ else "DIFFERENT")


if __name__ == "__main__":
    main()
