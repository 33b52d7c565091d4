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
from typing import Any, TypeVar

from safeship.detectors.base import Detector, DetectorInput
from safeship.text.normalise import NormalisedText, normalise
from safeship.types import DetectorResult

T = TypeVar("T")
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
        return self._long(item.text)

    def _long(self, text: str) -> bool:
        return self.threshold is not None and len(text) > self.threshold

    def _worker(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeship-long")
        return self._executor

    async def normalise(self, text: str) -> NormalisedText:
        """``normalise(text)``, on the worker when the text is long.

        Why: the normaliser reads the whole text (spaced-out letters, leetspeak and encoded
        payloads anywhere in a pasted document), which costs tens of milliseconds a megabyte of
        prose and up to about 1.4 s a megabyte of hostile text (hex pairs, base64 runs, letter
        soup): inline, that would stall every other request the loop serves.
        """
        return await self.call(len(text), normalise, text)

    async def call(self, chars: int, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)``, on the worker when it reads more than the threshold's characters.

        For work that normalises texts the guard has not (an earlier turn's deny rules, the
        moderation endpoint's acting flags): inline for chat-sized texts, where a thread hop
        would cost more than the work.
        """
        if self.threshold is None or chars <= self.threshold:
            return work(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker(), work, *args)

    async def detect(
        self, detector: Detector, item: DetectorInput, timeout_s: float
    ) -> DetectorResult:
        """Score ``item`` on the worker, allowing it ``timeout_s`` once it has started.

        Raises:
            TimeoutError: The run took longer; its features are abandoned so it stops soon.
        """
        loop = asyncio.get_running_loop()
        began: asyncio.Future[None] = loop.create_future()

        def mark() -> None:
            if not began.done():
                began.set_result(None)

        def started() -> None:
            loop.call_soon_threadsafe(mark)

        features = item.features.cancellable()
        run = replace(item, features=features)
        work = loop.run_in_executor(self._worker(), _detect_in_thread, detector, run, started)
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
