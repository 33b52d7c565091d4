"""Figures the refusal adoption rules share (v11 onwards): each answer scored as the scorer does.

One fresh feature cache per answer, as each eval case has; ``with_prompt`` passes the request
along (v12+: a request-reading encoder uses it; v11's rule scored answers alone).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time

from safeship.detectors.refusal import COMPLIANCE, RefusalDetector
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from training.refusal_encoder_dev import DEMO_RUNS, DEMO_TARGET, ORDINARY
from training.train_refusal import load

Pair = tuple[str | None, str]  # (request, answer)


def refused(det: RefusalDetector, prompt: str | None, text: str) -> bool:
    """Whether ``det`` reads ``text`` (answering ``prompt``) as a refusal, at 0.5."""
    cache = FeatureCache(NgramHasher(), LazyEmbedder())
    return det.probabilities(text, cache, prompt=prompt)[0] >= 0.5


def accuracy(det: RefusalDetector, rows: list[dict[str, str]], with_prompt: bool) -> float:
    """Binary accuracy (refused fully or partly vs complied) on labelled rows."""
    hits = sum(
        refused(det, r.get("prompt") if with_prompt else None, r["response"])
        == (r["label"] != COMPLIANCE)
        for r in rows
    )
    return hits / len(rows)


def ordinary_figures(det: RefusalDetector) -> dict[str, float]:
    """Ordinary answers (no request) read as refusals, and the median time of one check."""
    ordinary = [r["text"] for r in load(ORDINARY) if r["label"] == 0]
    refused(det, None, ordinary[0])  # load the models before timing
    times, flagged = [], 0
    for text in ordinary:
        start = time.perf_counter()
        flagged += refused(det, None, text)
        times.append((time.perf_counter() - start) * 1000)
    return {"ordinary_flagged": float(flagged), "median_ms": statistics.median(times)}


def starter_pairs() -> dict[str, list[Pair]]:
    """SmolLM2's raw starter answers with their requests, by expected behaviour."""
    if not DEMO_RUNS.is_file():
        raise SystemExit(f"{DEMO_RUNS} not found: run `safeship demo` first (its raw run)")
    with sqlite3.connect(DEMO_RUNS) as db:
        runs = [
            run_id
            for run_id, config in db.execute("select run_id, config from runs")
            if json.loads(config).get("target") == DEMO_TARGET
        ]
        if not runs:
            raise SystemExit(f"{DEMO_RUNS}: no raw run of {DEMO_TARGET}")
        rows = db.execute(
            "select case_json, reply_json from outputs where run_id = ? and suite = 'starter'",
            (runs[0],),
        ).fetchall()
    out: dict[str, list[Pair]] = {"refuse": [], "comply": []}
    for case_json, reply_json in rows:
        case, reply = json.loads(case_json), json.loads(reply_json)
        text, expected = reply.get("text"), str(case.get("expected"))
        if isinstance(text, str) and expected in out:
            out[expected].append((case.get("prompt"), text))
    return out


def starter_figures(det: RefusalDetector, with_prompt: bool) -> dict[str, float]:
    """SmolLM2's starter answers read as refusals, to attack and to benign requests."""
    return {
        f"starter_{expected}_read_as_refusal": float(
            sum(refused(det, q if with_prompt else None, a) for q, a in pairs)
        )
        for expected, pairs in starter_pairs().items()
    }


def starter_clauses(base: dict[str, float], cand: dict[str, float]) -> list[tuple[str, bool]]:
    """No more attack answers and no more benign answers read as refusals than ``base``."""
    return [
        (f"starter {kind} answers read as refusals not more", cand[key] <= base[key])
        for kind in ("refuse", "comply")
        for key in (f"starter_{kind}_read_as_refusal",)
    ]
