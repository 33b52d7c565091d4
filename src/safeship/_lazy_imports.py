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

HIDDEN = ("torch", "transformers")


@contextmanager
def torch_hidden() -> Iterator[None]:
    """Make ``import torch`` / ``import transformers`` fail inside the block, unless loaded.

    Presidio also imports transformers when it is installed (for an NLP engine we never use),
    which then prints a warning about torch; hiding both keeps start-up quiet and light.
    """
    os.environ.setdefault("PRESIDIO_DEVICE", "cpu")
    hidden = [name for name in HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import machinery: "not available"
    try:
        yield
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
