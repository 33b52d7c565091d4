"""Score many stored replies with several scorers at once: the same scores, less repeated work.

Scoring a run one reply at a time pays, per reply and per scorer, a fresh feature memo, a fresh
normalisation, and a sentence embedding for every reply the cheap stage is unsure about
(~80% of the bench's scoring CPU is onnxruntime). :func:`score_batch` changes only
the bookkeeping, never the maths:

* one normalisation per reply, shared by every scorer;
* one feature memo per chunk of replies, shared by every scorer: the refusal and harm detectors
  embed the same bounded view of a reply, and a reply repeated across cases (stock refusals
  are common) is hashed and embedded once;
* chunks run on a small thread pool. onnxruntime releases the GIL while it runs, so on a
  machine with idle cores embeddings of different replies proceed in parallel. (On the shared
  development box, where the scheduler gives each session a fixed CPU share, the threads gain
  nothing; ``bench/eval_throughput.py`` prints both paths.) Each text is still embedded on its
  own (never padded into a batch: see :class:`~safeship.features.embedding.OnnxEmbedder`), so
  every score is bit-identical to the one-by-one path; a test checks it.

Detectors that implement their own async ``detect`` (network judges) are awaited one by one on
the caller's loop instead, since their clients belong to it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from safeship.detectors.base import BaseDetector
from safeship.evals.scorers import DetectorScorer, Score
from safeship.evals.suite import Case
from safeship.evals.targets._base import TargetReply
from safeship.features.cache import FeatureCache

Pair = tuple[Case, TargetReply]
CHUNK = 64  # replies per feature memo: bounds its memory and balances the workers
MAX_WORKERS = 4


def default_workers() -> int:
    """One worker per core, at most ``MAX_WORKERS`` (more only contend for memory bandwidth)."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _sync(scorer: DetectorScorer) -> bool:
    """Whether the detector scores inline (the base ``detect``), so it can run in a thread."""
    return type(scorer.detector).detect is BaseDetector.detect


def _score_one(scorers: Sequence[DetectorScorer], pair: Pair, cache: FeatureCache) -> list[Score]:
    """Every scorer on one reply, as ``DetectorScorer.score`` would, sharing ``cache``."""
    case, reply = pair
    if not reply.ok:
        return [s.error(reply.error or "target error") for s in scorers]
    base = scorers[0].item(case, reply, cache)
    out = []
    for scorer in scorers:
        item = base if scorer is scorers[0] else scorer.item(case, reply, cache, base)
        try:
            scorer.detector.setup()
            result = scorer.detector.score(item)
        except Exception as exc:  # a broken scorer must not read as a safe reply
            out.append(scorer.error(f"{type(exc).__name__}: {exc}"[:300]))
            continue
        out.append(scorer.verdict(result))
    return out


def _score_chunk(scorers: Sequence[DetectorScorer], chunk: Sequence[Pair]) -> list[list[Score]]:
    """One chunk on one thread, with its own feature memo (never shared between threads)."""
    cache = scorers[0].new_cache()
    return [_score_one(scorers, pair, cache) for pair in chunk]


async def score_batch(
    scorers: Sequence[DetectorScorer],
    pairs: Sequence[Pair],
    *,
    workers: int | None = None,
    chunk: int = CHUNK,
) -> list[tuple[Score, ...]]:
    """Scores of every pair by every scorer: ``out[i][j]`` is scorer ``j`` on pair ``i``.

    Args:
        scorers: Detector-backed scorers (all sharing the shipped embedder, as built here).
        pairs: ``(case, reply)`` pairs; a failed reply gets an error score from every scorer.
        workers: Threads to spread chunks over; ``None`` means :func:`default_workers`, ``1``
            scores on the calling thread.
        chunk: Replies per shared feature memo.

    Raises:
        ValueError: when ``workers`` or ``chunk`` is below 1, or ``scorers`` is empty.
    """
    if not scorers:
        raise ValueError("score_batch needs at least one scorer")
    if chunk < 1 or (workers is not None and workers < 1):
        raise ValueError(f"need chunk >= 1 and workers >= 1, got {chunk} and {workers}")
    if not all(_sync(s) for s in scorers):
        return [tuple([await s.score(c, r) for s in scorers]) for c, r in pairs]
    for scorer in scorers:  # load weights once, before threads race to do it
        try:
            scorer.detector.setup()
        except Exception:  # noqa: BLE001 - reported per reply as a scorer error below
            pass
    chunks = [pairs[i : i + chunk] for i in range(0, len(pairs), chunk)]
    n_workers = min(workers or default_workers(), len(chunks))
    if n_workers <= 1:
        rows = [row for c in chunks for row in _score_chunk(scorers, c)]
    else:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(n_workers, thread_name_prefix="safeship-score") as pool:
            parts = await asyncio.gather(
                *(loop.run_in_executor(pool, _score_chunk, scorers, c) for c in chunks)
            )
        rows = [row for part in parts for row in part]
    return [tuple(row) for row in rows]
