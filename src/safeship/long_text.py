"""Long texts are scored off the event loop, one at a time, under each layer's ``timeout_ms``.

Why: the built-in detectors run inline on the event loop, because on a chat turn they cost a
millisecond or two and a thread hop would cost more. A pasted document is another matter: a
1 MB message costs them 5-20 s (most of it in the window scans of ``prompt_injection`` and
``harmful_request``), and inline that stalls everything else the loop serves, every other request
of a gateway included, and no timeout can fire. So a text longer than ``LONG_TEXT_CHARS`` goes to
a single worker thread, where the layer's timeout applies and its fail mode decides on expiry
(never "passed").

The timeout counts the detector's own run, not its wait for the worker: under concurrency (an
eval running eight long prompts at once) a queued detector is not a slow one, and a spurious
timeout would be a decision the detector never made. On expiry the run's features are abandoned
(:meth:`FeatureCache.abandon`), so the scan stops at its next hashing or embedding and frees the
worker instead of running to its end in the background (pure regex work, such as the injection
cue scan, runs on until then). One worker bounds the CPU a flood of long texts can take; short
texts never wait for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from safeship.detectors.base import Detector, DetectorInput
from safeship.types import DetectorResult

LONG_TEXT_CHARS = 8_000
"""Longer texts leave the event loop: 4x the longest chat turn the speed floors are set for."""


def _detect_in_thread(
    detector: Detector, item: DetectorInput, started: Callable[[], None]
) -> DetectorResult:
    """Run a detector's ``detect`` on the worker, in an event loop of its own."""
    started()
    return asyncio.run(detector.detect(item))


def _retrieve(future: asyncio.Future[DetectorResult]) -> None:
    """Read an abandoned run's outcome, so its ``CheckAbandoned`` is never logged as unhandled."""
    if not future.cancelled():
        future.exception()


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

    async def detect(
        self, detector: Detector, item: DetectorInput, timeout_s: float
    ) -> DetectorResult:
        """Score ``item`` on the worker, allowing it ``timeout_s`` once it has started.

        Raises:
            TimeoutError: The run took longer; its features are abandoned so it stops soon.
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeship-long")
        loop = asyncio.get_running_loop()
        began: asyncio.Future[None] = loop.create_future()

        def mark() -> None:
            if not began.done():
                began.set_result(None)

        def started() -> None:
            loop.call_soon_threadsafe(mark)

        features = item.features.cancellable()
        run = replace(item, features=features)
        work = loop.run_in_executor(self._executor, _detect_in_thread, detector, run, started)
        work.add_done_callback(_retrieve)
        try:
            waiting: set[asyncio.Future[Any]] = {began, work}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            return await asyncio.wait_for(asyncio.shield(work), timeout_s)
        except (TimeoutError, asyncio.CancelledError):
            features.abandon()  # a running scan stops at its next embedding
            work.cancel()  # a queued one never starts
            raise

    def close(self) -> None:
        """Stop the worker after the detector it is running (queued work is dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
