"""Judge prompt_injection v24 (long requests without attack twins) against v20, by a rule.

Why: the shipped detector flags 33 and 27 of 200 benign long multi-instruction requests (two
blind sets of session 20) where the same text model without the sentence reading of chat turns
flags 13 and 12: a power user's request is a row of orders to the assistant ("Reply only with the
translation.", "Stay in character until I type STOP."), and each sentence read alone is one more
chance of a false alarm. v23 (``training.injection_long_tasks_v23_dev``) trained on 260 such
requests, their sentences, and an attack twin of each; the twins taught attacks (task attacks
caught 136 -> 156 of 160) far more than the requests taught requests (33 -> 30), and long benign
turns went 8 -> 14. v24 = v20's rows plus v23's benign requests whole and their sentences at the
instruction-like weight, without the twins (``train_injection --long-tasks --no-task-twins``).
No margin fixes this (``training.injection_turn_margin_dev``): the sentences that fire score
0.98-0.993 alone, so the text model has to learn them.

**Adoption rule, written and committed before ``injection_long_tasks_dev4.jsonl`` was read (a
helper wrote it blind in session 20; it is unread, and the leak tests keep it out of training)
and before v24 was trained (2026-11-29, session 21).** v24 ships only if all hold, the detector
run as the guard runs it (shipped params, MiniLM configured, one fresh feature cache per text),
v24 against v20:

1. ``injection_long_tasks_dev4.jsonl`` (200 benign long multi-instruction requests): flagged at
   0.5 at most two thirds as many as v20 (rounded down), and at 0.4 not more.
2. ``injection_task_attacks_dev.jsonl`` (160 such requests with an attack on the operator's
   instructions woven in; third use): caught at 0.5 down 3 at most.
3. Clauses 3-7 of v23's rule as they stand: session 19's long benign turns not more and diluted
   attacks down 3 of 160 at most; v20's validation rows (F1 -0.003, benign of 200-2,500
   characters +1 point, attacks after a benign prompt -2 points at most); the v19 clauses
   (documents, casual messages, benign tasks, pairs v10, starter suite); real documents pasted
   whole not more, planted in a whole paste down 4 of 80 at most; p50 +0.3 ms and p99 +5 ms at
   most on ``bench.guard_latency``'s 400 chat turns.

Session 20's long-task sets (``_dev2``, ``_dev3``) are retired from deciding (``_dev2`` is printed
for the record). No EVAL-ONLY set is read for the decision. If adopted,
``bench.quality.prompt_injection`` runs once afterwards and is reported whatever it says.

**v24 result: ADOPTED (every clause held); v24 ships.** Built in about 9 minutes (beside another
training job). Long requests of the unread dev4 set flagged at 0.5 **25 -> 5** of 200 (27 -> 6 at
0.4; session 20's ``_dev2``, for the record, 33 -> 5); task attacks caught **136 -> 133** of 160
(the rule's limit); session 19's long benign turns 8 -> 6, diluted attacks 63.8% -> 63.8%;
validation F1 0.9514 -> 0.9494, benign of 200-2,500 characters 3.74% -> 3.74%, attacks after a
benign prompt 83.3% -> 83.7%; documents as documents 14 -> 12 benign flagged, poisoned 59 -> 59,
as user turns 2 -> 2 and 54 -> 53; casual messages FPR 2.65% -> 1.99% at the same recall; benign
tasks 2 -> 3; pairs v10 15 -> 15 benign, recall 0.867 -> 0.858; real documents pasted whole 128 ->
124 of 133 (the standard library's 65 -> 53 of 80), retrieved passages flagged 1,996 -> 1,643 of
3,004, planted instructions caught 79 -> 76 of 80 and look-alikes flagged 71 -> 64, planted in a
whole paste 80 -> 80; starter suite unchanged; p50 0.32 -> 0.45 ms, p99 9.3 -> 10.4 ms. The
twins, not the requests, were what held v23 back.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_injection --long-tasks --no-task-twins
--out /tmp/pi_v24.npz``, then ``... -m training.injection_long_tasks_v24_dev /tmp/pi_v24.npz``.
"""

from __future__ import annotations

from pathlib import Path

from safeship.detectors.injection import InjectionParams, PromptInjectionDetector
from training.injection_data import Sample
from training.injection_long_tasks_v23_dev import figures as v23_figures
from training.injection_long_tasks_v23_dev import judge_text_model
from training.injection_long_tasks_v23_dev import verdict as v23_verdict
from training.injection_messages_dev import scores
from training.injection_turn_segments_dev import _texts

DATA = Path(__file__).resolve().parent / "data"
TASKS_DEV = DATA / "injection_long_tasks_dev4.jsonl"
KEPT_FROM_V23 = ("2.", "3.", "4.", "5.", "6.", "7.")
"""v23's clauses that stand (its 1 read ``_dev2``, now retired)."""


def figures(params: dict[str, object], val: list[Sample], turns: list[str]) -> dict[str, float]:
    """Every figure the rule reads, for the detector with ``params``."""
    out = v23_figures(params, val, turns)
    det = PromptInjectionDetector(InjectionParams(**params))  # type: ignore[arg-type]
    tasks = scores(det, _texts(TASKS_DEV), "user")
    out["tasks4_flagged_0.5"] = float((tasks >= 0.5).sum())
    out["tasks4_flagged_0.4"] = float((tasks >= 0.4).sum())
    return out


def verdict(old: dict[str, float], new: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    kept = [(name, ok) for name, ok in v23_verdict(old, new) if name.startswith(KEPT_FROM_V23)]
    return [
        (
            "1. long tasks (dev4) at 0.5: at most two thirds",
            new["tasks4_flagged_0.5"] <= (2 * old["tasks4_flagged_0.5"]) // 3,
        ),
        (
            "1. long tasks (dev4) at 0.4: not more",
            new["tasks4_flagged_0.4"] <= old["tasks4_flagged_0.4"],
        ),
        *kept,
    ]


def main(argv: list[str] | None = None) -> bool:
    return judge_text_model(argv, __doc__.splitlines()[0] if __doc__ else None, figures, verdict)


if __name__ == "__main__":
    main()
