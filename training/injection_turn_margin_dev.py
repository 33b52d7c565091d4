"""Judge a higher margin for the sentences of a chat turn (prompt_injection), by a rule.

Why: session 19 adopted reading every chat turn over 200 characters sentence by sentence, each
sentence held to a logit 2.0 over the decision point (``turn_segment_margin``), on a rule whose
long-benign set showed 6 -> 8 flagged of 200. v23's rule (``training.injection_long_tasks_v23_dev``)
then showed on a fresh blind set of long multi-instruction requests
(``injection_long_tasks_dev2.jsonl``) that the shipped detector flags 33 of 200 at 0.5, against 13
without the turn reading; the EVAL-ONLY MT-Bench + Vicuna set had doubled (6 -> 12 of 240).
A power user's request is a row of orders to the assistant, and each sentence read alone is one
more chance of a false alarm. The turn reading's gain was against attacks diluted by harmless
sentences (23% -> 64% of 160 caught).

Candidate: the same detector with ``turn_segment_margin`` = ``m``, where ``m`` is the smallest
of 2.5, 3, 3.5, 4, 5 and 6 at which ``injection_long_tasks_dev2.jsonl`` (its second use, now an
analysis set) is flagged at 0.5 no more than 4 above the detector without the turn reading
(``BEFORE``: 2 points of false alarms for the turn reading at most); 6 if none is. Chosen before
any other set is scored with it.

**Adoption rule, written and committed before ``injection_long_tasks_dev3.jsonl`` was read (its
helper had been started minutes before) and before any margin was scored (2026-11-29, session
20).** ``m`` becomes the default only if all of these hold, each detector run as the guard runs
it (MiniLM configured, one fresh feature cache per text):

1. ``injection_long_tasks_dev3.jsonl`` (200 benign long multi-instruction requests, about 60
   follow-ups; written blind by a helper for this rule): flagged at 0.5 no more than ``BEFORE``
   + 4, and fewer than the shipped margin (2.0).
2. The turn reading keeps most of its gain: diluted attacks (``injection_diluted_attacks_dev``,
   its fourth use) caught at least ``BEFORE`` + 20 points (the shipped margin: +40.6), and
   the validation attacks after a benign prompt at least ``BEFORE`` + 40 points (shipped: +65);
   the fresh task attacks (``injection_task_attacks_dev``, second use) caught not fewer than
   ``BEFORE``.
3. Against the shipped margin: validation F1 down 0.003 at most; every v19 clause of session
   19's rule (documents, casual messages, benign tasks, pairs v10, starter suite); real
   documents pasted whole not more; planted in a whole paste down 4 of 80 at most.

No EVAL-ONLY set is read for the decision. If adopted, ``bench.quality.prompt_injection`` runs
once afterwards and is reported whatever it says.

**Result: REJECTED (two clauses); the margin stays 2.0.** The analysis set chose ``m`` = 5.0
(flagged at 0.5 by margin: 2.5 31, 3.0 30, 3.5 27, 4.0 27, 5.0 **14** of 200; 13 without the
turn reading, 33 shipped). On the fresh judge set the shipped detector flags **27** of 200, the
candidate **12**, the detector without the turn reading 12 (clause 1 held). But most of the turn
reading's gain went with it: validation attacks after a benign prompt 83.3% -> **51.3%** (18.0%
without; 58% needed), v19's poisoned passages pasted as user turns 54 -> 45 of 60 (-3 allowed);
diluted attacks 63.8% -> 45.0% (23.1% without; held), the fresh task attacks 136 -> 102 of 160
(69 without; held), instructions planted in a whole paste 80 -> 76, real pastes flagged 128 ->
124 of 133; validation F1 0.9514 -> 0.9503, casual messages, tasks, pairs, starter unchanged. No
EVAL-ONLY set was run. Between 4.0 and 5.0 the analysis set's flags fall from 27 to 14: the
long requests' sentences that fire score between 0.98 and 0.993 alone, as confident as the
attacks' own sentences, so no margin separates them; the text model has to learn them
(v23's rows did not manage it).

Run: ``PYTHONPATH=. .venv/bin/python -m training.injection_turn_margin_dev``.
"""

from __future__ import annotations

from pathlib import Path

from safeship.detectors.injection import InjectionParams, PromptInjectionDetector
from training.encoder_rules import report, starter_counts
from training.injection_data import Sample, assemble, default_data_dir
from training.injection_long_tasks_v23_dev import ATTACKS_DEV, TASKS_DEV
from training.injection_messages_dev import scores
from training.injection_real_documents_dev import measure
from training.injection_turn_segments_dev import (
    BEFORE,
    DILUTED_DEV,
    _texts,
    preamble_pairs,
    validation_figures,
)
from training.injection_turn_segments_dev import verdict as turn_verdict

DATA = Path(__file__).resolve().parent / "data"
JUDGE = DATA / "injection_long_tasks_dev3.jsonl"
MARGINS = (2.5, 3.0, 3.5, 4.0, 5.0, 6.0)
BEFORE_SLACK = 4


def _flagged(params: dict[str, object], path: Path) -> int:
    det = PromptInjectionDetector(InjectionParams(**params))  # type: ignore[arg-type]
    return int((scores(det, _texts(path), "user") >= 0.5).sum())


def choose_margin() -> float:
    """The smallest grid margin within ``BEFORE_SLACK`` of ``BEFORE`` on the analysis set."""
    bar = _flagged(BEFORE, TASKS_DEV) + BEFORE_SLACK
    for m in MARGINS:
        n = _flagged({"turn_segment_margin": m}, TASKS_DEV)
        print(f"margin {m}: {n} of 200 flagged (bar {bar})")
        if n <= bar:
            return m
    return MARGINS[-1]


def light_figures(params: dict[str, object], val: list[Sample]) -> dict[str, float]:
    """What clauses 1 and 2 read (all three detectors)."""
    det = PromptInjectionDetector(InjectionParams(**params))  # type: ignore[arg-type]
    pairs = preamble_pairs(val)
    return {
        "judge_flagged": float((scores(det, _texts(JUDGE), "user") >= 0.5).sum()),
        "diluted_caught": float((scores(det, _texts(DILUTED_DEV), "user") >= 0.5).mean()),
        "task_attacks_caught": float((scores(det, _texts(ATTACKS_DEV), "user") >= 0.5).sum()),
        "val_preamble_caught": float((scores(det, pairs, "user") >= 0.5).mean()),
    }


def figures(params: dict[str, object], val: list[Sample]) -> dict[str, float]:
    """Every figure clause 3 reads too (shipped margin and candidate)."""
    det = PromptInjectionDetector(InjectionParams(**params))  # type: ignore[arg-type]
    out = measure(det) | starter_counts("prompt_injection", params)
    return out | validation_figures(det, val) | light_figures(params, val)


def verdict(
    before: dict[str, float], old: dict[str, float], new: dict[str, float]
) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    unread = {"long_benign_flagged": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}  # clauses not kept
    pairs = turn_verdict(unread | old, unread | new)
    kept = [(n, ok) for n, ok in pairs if n.split(".", 1)[0] in ("4", "5")]
    return [
        (
            "1. long tasks (fresh): at most BEFORE + 4",
            new["judge_flagged"] <= before["judge_flagged"] + BEFORE_SLACK,
        ),
        ("1. long tasks (fresh): fewer than shipped", new["judge_flagged"] < old["judge_flagged"]),
        (
            "2. diluted attacks: BEFORE + 20 points at least",
            new["diluted_caught"] >= before["diluted_caught"] + 0.2,
        ),
        (
            "2. validation attack after a benign prompt: BEFORE + 40 points at least",
            new["val_preamble_caught"] >= before["val_preamble_caught"] + 0.4,
        ),
        (
            "2. task attacks (fresh): not fewer than BEFORE",
            new["task_attacks_caught"] >= before["task_attacks_caught"],
        ),
        ("3. validation F1: -0.003 at most", new["val_f1"] >= old["val_f1"] - 0.003),
        *((f"3. {n.split('. ', 1)[1]}", ok) for n, ok in kept),
    ]


def main() -> bool:
    margin = choose_margin()
    print(f"candidate turn_segment_margin = {margin}")
    _, val, _ = assemble(default_data_dir())
    before = light_figures(BEFORE, val)
    old = figures({}, val)
    new = figures({"turn_segment_margin": margin}, val)
    print("BEFORE (no turn reading):", {k: round(v, 4) for k, v in before.items()})
    return report("margin 2.0", old, new, verdict(before, old, new))


if __name__ == "__main__":
    main()
