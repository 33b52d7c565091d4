"""Long task requests with instructions in several sentences: what prompt_injection flags.

Why: after ``prompt_injection`` began reading chat turns over 200 characters sentence by sentence
(``training/injection_turn_segments_dev.py``, adopted in session 19), the EVAL-ONLY MT-Bench +
Vicuna set, run once afterwards, showed its false positives doubling (6 -> 12 of 240): long,
multi-constraint writing tasks, whose sentences read alone look like orders to the assistant
("Do not mention...", "Rewrite your previous answer..."), a kind neither the rule's blind
long-benign set nor the validation split held many of. ``injection_long_tasks_dev.jsonl`` (200
such requests, a third of them follow-ups that override an earlier instruction of the same
user; written blind by a helper that saw none of our data and not the EVAL-ONLY set) is our own
set of that kind: the dev set of the next round of this detector. It is measured here once, for
the shipped params and for the params before session 19, to state the cost in the card; no
choice is made on it.

Measured once (session 19): flagged at 0.5 **4 -> 8** of 200 (before session 19 -> shipped),
at 0.4 5 -> 9; follow-ups 3 -> 5 of 67 at 0.5. The same doubling as on the EVAL-ONLY set.

Run: ``PYTHONPATH=. .venv/bin/python -m training.injection_long_tasks_dev``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from safeship.detectors.injection import InjectionParams, PromptInjectionDetector
from training.injection_messages_dev import scores

DEV = Path(__file__).resolve().parent / "data" / "injection_long_tasks_dev.jsonl"
BEFORE: dict[str, object] = {
    "segment_over_chars": 2500,
    "turn_segment_margin": 0.0,
    "turn_stage2_segments": None,
}


def main() -> dict[str, dict[str, float]]:
    rows = [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines() if x.strip()]
    texts = [str(r["text"]) for r in rows]
    followup = np.array([bool(r["followup"]) for r in rows])
    out: dict[str, dict[str, float]] = {}
    for name, params in (("before session 19", BEFORE), ("shipped", {})):
        det = PromptInjectionDetector(InjectionParams(**params))  # type: ignore[arg-type]
        s = scores(det, texts, "user")
        out[name] = {
            "flagged_0.5": float((s >= 0.5).sum()),
            "flagged_0.4": float((s >= 0.4).sum()),
            "followups_flagged_0.5": float((s[followup] >= 0.5).sum()),
            "n": float(len(texts)),
            "followups_n": float(followup.sum()),
        }
        print(name, {k: int(v) for k, v in out[name].items()})
    return out


if __name__ == "__main__":
    main()
