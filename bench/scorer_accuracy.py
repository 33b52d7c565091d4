"""Each eval scorer's measured error rate on labelled replies; writes the file reports carry.

Scores go through the scorers exactly as ``safeship eval run`` uses them (``score_batch``), at
their own decision point (``flagged``: score >= 0.5). Rows:

- ``refusal``, binary (refused fully or partly vs complied) and three-way, on the project's
  HELD-OUT refusal test set (``training/data/refusal_test.jsonl`` plus the hand-written rows
  tagged ``test``: written by us, never trained or tuned on);
- ``harmful_compliance`` on ``gptfuzz/responses_labeled/evaluate.csv`` (EVAL ONLY: responses to
  20 harmful questions that training never saw; label 1 = jailbroken, harmful compliance);
- ``toxicity`` on HateCheck's test suite (EVAL ONLY; hateful vs not).

EVAL-ONLY sets are only scored here, to report a figure: nothing is tuned on them. Each run
prints the new figures beside the shipped ones (the baseline); ``--write`` replaces
``src/safeship/models/cards/scorer_accuracy.json``, recording the SHA-256 of each artefact so a
report can tell when a scorer has been retrained since (``stale``). ``--own-only`` skips the
EVAL-ONLY sets (for development runs that must not spend them); ``--scorers`` re-measures only
the named scorers (e.g. after one is retrained) and keeps the other shipped rows.

Run: ``python -m bench.scorer_accuracy [--write] [--own-only] [--scorers refusal,...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.quality.common import data_dir  # noqa: E402
from safeship.evals import scorer_accuracy as acc  # noqa: E402
from safeship.evals.batch import score_batch  # noqa: E402
from safeship.evals.scorers import (  # noqa: E402
    DetectorScorer,
    RefusalScorer,
    Score,
    harmful_compliance,
    toxicity,
)
from safeship.evals.suite import Case  # noqa: E402
from safeship.evals.targets import TargetReply  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRAINING_DATA = ROOT / "training" / "data"
HANDWRITTEN_GLOB = "refusal_handwritten*.jsonl"
COMPLIANCE = "full_compliance"


def _score(scorer: DetectorScorer, rows: Sequence[tuple[str | None, str]]) -> list[Score]:
    """Score ``(prompt, reply)`` rows through the batched scorer path."""
    pairs = [
        (
            Case(id=f"r{i}", prompt=(prompt or "(no prompt)"), expected="refuse", category="x"),
            TargetReply(text=reply),
        )
        for i, (prompt, reply) in enumerate(rows)
    ]
    return [row[0] for row in asyncio.run(score_batch([scorer], pairs))]


def _flags(scores: Sequence[Score], labels: Sequence[bool]) -> list[bool]:
    """``flagged`` per row; a scorer error is counted as a wrong answer, never a right one."""
    return [(not y) if s.error else s.flagged for s, y in zip(scores, labels, strict=True)]


def refusal_rows(data: Path) -> list[acc.ScorerAccuracy]:
    """Binary and three-way error of the refusal scorer on the own held-out test set."""
    rows = [json.loads(x) for x in (TRAINING_DATA / "refusal_test.jsonl").open(encoding="utf-8")]
    for path in sorted(TRAINING_DATA.glob(HANDWRITTEN_GLOB)):
        hand = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]
        rows += [r for r in hand if r.get("split") == "test"]
    scores = _score(RefusalScorer(), [(r.get("prompt"), r["response"]) for r in rows])
    labels = [r["label"] != COMPLIANCE for r in rows]
    hashes = acc.current_hashes("refusal")
    dataset = "own held-out refusal test (training/data)"
    return [
        acc.measure(
            "refusal",
            dataset,
            labels,
            _flags(scores, labels),
            task="refused (fully or partly) vs complied",
            eval_only=False,
            artefacts=hashes,
        ),
        acc.measure_labels(
            "refusal",
            dataset + " 3-way",
            [r["label"] for r in rows],
            [s.label for s in scores],
            task="full_refusal / partial_refusal / full_compliance",
            eval_only=False,
            artefacts=hashes,
        ),
    ]


def harm_rows(data: Path) -> list[acc.ScorerAccuracy]:
    """Harmful compliance on gptfuzz evaluate.csv (EVAL ONLY), with each reply's question."""
    import pandas as pd

    frame = pd.read_csv(data / "gptfuzz" / "responses_labeled" / "evaluate.csv")
    questions = pd.read_csv(data / "gptfuzz" / "questions" / "question_list.csv")
    qtext = dict(zip(questions["index"], questions["text"], strict=True))
    rows = [
        (qtext.get(q), str(r)) for q, r in zip(frame["question"], frame["Response"], strict=True)
    ]
    labels = [bool(v) for v in frame["label"]]
    scores = _score(harmful_compliance(), rows)
    return [
        acc.measure(
            "harmful_compliance",
            "gptfuzz/responses_labeled/evaluate.csv",
            labels,
            _flags(scores, labels),
            task="jailbroken: the reply delivers harmful content",
            eval_only=True,
            artefacts=acc.current_hashes("harmful_compliance"),
            note="20 harmful questions never used in training",
        )
    ]


def toxicity_rows(data: Path) -> list[acc.ScorerAccuracy]:
    """Toxicity on HateCheck's functional tests (EVAL ONLY)."""
    path = data / "hatecheck" / "test_suite_cases.csv"
    with path.open(encoding="utf-8") as fh:
        cases = list(csv.DictReader(fh))
    labels = [c["label_gold"] == "hateful" for c in cases]
    scores = _score(toxicity(), [(None, c["test_case"]) for c in cases])
    return [
        acc.measure(
            "toxicity",
            "hatecheck/test_suite_cases.csv",
            labels,
            _flags(scores, labels),
            task="hateful vs not (incl. counter-speech, negation, reclaimed slurs)",
            eval_only=True,
            artefacts=acc.current_hashes("toxicity"),
        )
    ]


# scorer -> (how to measure it, whether that spends an EVAL-ONLY set)
MEASURES: dict[str, tuple[Callable[[Path], list[acc.ScorerAccuracy]], bool]] = {
    "refusal": (refusal_rows, False),
    "harmful_compliance": (harm_rows, True),
    "toxicity": (toxicity_rows, True),
}


def _fmt(e: acc.ScorerAccuracy | None) -> str:
    if e is None:
        return "-"
    return f"{e.error_rate:6.1%} [{e.ci_low:.1%}, {e.ci_high:.1%}]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update the shipped JSON")
    parser.add_argument("--own-only", action="store_true", help="skip the EVAL-ONLY sets")
    parser.add_argument(
        "--scorers",
        default=",".join(MEASURES),
        help="comma-separated scorers to re-measure (the others' shipped rows are kept)",
    )
    parser.add_argument("--data", type=Path, default=None, help="datasets dir (default: shared)")
    parser.add_argument("--out", type=Path, default=acc.DEFAULT_PATH)
    args = parser.parse_args(argv)
    data = args.data or data_dir()
    chosen = [name.strip() for name in args.scorers.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(MEASURES))
    if unknown:
        parser.error(f"--scorers: unknown {unknown}; choose from {sorted(MEASURES)}")
    start = time.perf_counter()
    entries: list[acc.ScorerAccuracy] = []
    for name in chosen:
        measure, eval_only = MEASURES[name]
        if not (eval_only and args.own_only):
            entries += measure(data)
    shipped = {(e.scorer, e.dataset): e for e in acc.load(args.out).entries}
    print(f"\nScorer error rates (95% Wilson CI), {time.perf_counter() - start:.0f} s")
    print(f"{'scorer':20}{'dataset':58}{'n':>6}  {'now':24}{'shipped (baseline)':24}")
    for e in entries:
        tag = " (EVAL ONLY)" if e.eval_only else ""
        before = _fmt(shipped.get((e.scorer, e.dataset)))
        print(f"{e.scorer:20}{(e.dataset + tag)[:57]:58}{e.n:>6}  {_fmt(e):24}{before:24}")
    if args.write:
        measured = {e.scorer for e in entries}  # a re-measured scorer's old rows all go
        kept = [e for e in shipped.values() if e.scorer not in measured]
        acc.write(args.out, acc.AccuracyFile(entries=tuple(kept + entries)))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
