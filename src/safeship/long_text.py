"""Long texts are scored off the event loop, one at a time, under each layer's ``timeout_ms``.

Why: the built-in detectors run inline on the event loop, because on a chat turn they cost a
millisecond or two and a thread hop would cost more. A pasted document is another matter: a
1 MB message costs them 5-20 s (most of it in the window scans of ``prompt_injection`` and
``harmful_request``), and inline that stalls everything else the loop serves, every other request
of a gateway included, and no timeout can fire. So a text longer than ``LONG_TEXT_CHARS`` goes to
a single worker thread, where the layer's timeout applies and its fail mode decides on expiry
(never "passed"). One worker bounds the CPU a flood of long texts can take: work whose wait
timed out before it started is cancelled, and a detector already running finishes in the
background (Python threads cannot be stopped) while the loop goes on serving.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from safeship.detectors.base import Detector, DetectorInput
from safeship.types import DetectorResult

LONG_TEXT_CHARS = 8_000
"""Longer texts leave the event loop: 4x the longest chat turn the speed floors are set for."""


def _detect_in_thread(detector: Detector, item: DetectorInput) -> DetectorResult:
    """Run a detector's ``detect`` on the worker, in an event loop of its own."""
    return asyncio.run(detector.detect(item))


class LongTextLane:
    """The worker long texts are scored on.

    Args:
        threshold: Texts longer than this many characters use the lane; ``None`` never does
            (everything inline, the behaviour before the lane existed).
    """

    def __init__(self, threshold: int | None = LONG_TEXT_CHARS) -> None:
        self.threshold = threshold
        self._executor: ThreadPoolExecutor | None = None

    def takes(self, item: DetectorInput) -> bool:
        """Whether ``item`` is long enough to be scored on the lane."""
        return self.threshold is not None and len(item.text) > self.threshold

    async def detect(self, detector: Detector, item: DetectorInput) -> DetectorResult:
        """Score ``item`` on the worker; cancelling the wait cancels work not yet started."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeship-long")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _detect_in_thread, detector, item)

    def close(self) -> None:
        """Stop the worker after the detector it is running (queued work is dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
