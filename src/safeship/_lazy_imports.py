"""Import heavy third-party stacks without dragging torch in behind them.

Presidio imports spaCy, whose ``thinc`` backend imports torch whenever torch is installed (and
Presidio's device detector does too). The guard never needs torch: pattern recognizers are
regexes and the small spaCy NER model runs on thinc's numpy ops. Loading torch anyway costs about
250 MB of RSS and seconds of start-up, and breaks the "runtime never imports torch" promise on any
machine that also has the ``hf`` extra. So these imports run with torch hidden.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def torch_hidden() -> Iterator[None]:
    """Make ``import torch`` fail inside the block, unless torch is already loaded."""
    if "torch" in sys.modules:
        yield
        return
    os.environ.setdefault("PRESIDIO_DEVICE", "cpu")
    sys.modules["torch"] = None  # type: ignore[assignment]  # import machinery: "not available"
    try:
        yield
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
