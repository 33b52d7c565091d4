"""Which data files are dev sets: judged on, never trained on.

Why: loaders that glob a family of files (``injection_*.jsonl``) skipped stems ending in
``_dev`` only, so ``injection_long_tasks_dev2.jsonl`` (a second dev set of its kind) was picked up
as training data (caught in session 20 by a leakage test before any model trained on it shipped).
"""

from __future__ import annotations

import re
from pathlib import Path

_DEV_STEM = re.compile(r"_dev\d*$")


def is_dev_set(path: Path) -> bool:
    """Whether ``path`` names a dev set (``*_dev.jsonl``, ``*_dev2.jsonl``, ...)."""
    return _DEV_STEM.search(path.stem) is not None
