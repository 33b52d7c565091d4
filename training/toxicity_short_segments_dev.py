"""Judge reading the sentence groups of a text up to 2,500 characters on their own (toxicity).

Why: found in session 19 while probing dilution after ``prompt_injection``'s turn-segments rule.
``toxicity`` scores a text up to ``CHUNK_CHARS`` (2,500) characters as one window, to keep the
context that tells counter-speech from hate, so one insult among a few ordinary sentences is
diluted: "You are a worthless, disgusting idiot and everyone at work hates you." scores 1.00
alone, 0.37 behind three sentences of a report and under 0.2 behind eight, in a user's message
or in a model's answer alike. Texts over 2,500 characters are already read by sentence groups
of up to 120 characters. The candidate reads those groups in every text over 200 characters too,
each held to a logit margin of 2.0 over the whole text's decision point (a group alone has lost
the context that makes a quoted insult, counter-speech or a villain's line harmless), chosen
a priori as ``prompt_injection``'s adopted margin, with no exploration.

Candidate params: ``short_segments_over=200, short_segment_margin=2.0``; the model (v6) is
unchanged, as are texts of 200 characters or fewer.

**Adoption rule, written and committed before its two blind dev sets were read (the helpers
writing them had been started minutes before; their output unread) and before the candidate was
measured on any dev set (2026-11-28, session 19).** The params become the default only if all of
these hold (the detector as the guard runs it, MiniLM configured, encoder off as shipped):

1. ``toxicity_diluted_dev.jsonl`` (160 texts of 200-1,500 characters, 100 user messages and 60
   assistant answers, each with one or two toxic sentences among ordinary ones; written blind
   for this rule): caught at 0.5 up 15 points or more.
2. ``toxicity_context_benign_dev.jsonl`` (200 benign texts of 200-1,500 characters in which a
   sentence alone sounds toxic: reporting or quoting abuse, counter-speech, fiction, banter,
   history, violent idioms; 60 of them assistant answers; written blind by another helper):
   flagged at 0.5 up 4 at most (2 points).
3. The clauses of ``training.toxicity_encoder_dev`` that do not concern an encoder, as
   no-regression bars: the functional dev set v9 (480): AUROC down 0.005 at most and balanced
   accuracy down 1 point at most; the answers dev set: benign answers flagged not more, toxic
   recall down 2 points at most; everyday messages flagged not more; the test split: AUROC down
   0.005 at most; the starter suite through ``support_chat.yaml`` (anonymous): no more benign
   blocked and no more harmful let through.

No EVAL-ONLY set is read for the decision. If adopted, ``bench.quality.toxicity`` runs once
afterwards and is reported whatever it says.

**Result: REJECTED (clause 2 and the answers clause of 3); the params stay off.** The blind
diluted texts were caught 4.4% -> 47.5% of 160 at 0.5 (v6 misses nearly every toxic sentence
inside a longer text), but the blind context-benign texts went 15 -> **64** of 200 flagged (+4
allowed) and the benign dev answers 1 -> 3 of 220 (not more allowed). Unchanged: functional dev
AUROC 0.930 and balanced accuracy 0.854, toxic answer recall 0.963, everyday messages 11, test
AUROC 0.968 -> 0.967, the starter suite. A sentence group alone cannot tell a quoted insult,
counter-speech or a villain's line from abuse; telling them apart needs a model that reads the
group with its context, not a margin. No EVAL-ONLY set was run.

Run: ``PYTHONPATH=. .venv/bin/python -m training.toxicity_short_segments_dev``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from safeship.detectors.toxicity import ToxicityDetector, ToxicityParams
from training.encoder_rules import report, score_counting, starter_counts
from training.toxicity_encoder_dev import measure

DATA = Path(__file__).resolve().parent / "data"
DILUTED_DEV = DATA / "toxicity_diluted_dev.jsonl"
CONTEXT_BENIGN_DEV = DATA / "toxicity_context_benign_dev.jsonl"
CANDIDATE: dict[str, object] = {"short_segments_over": 200, "short_segment_margin": 2.0}


def _texts(path: Path) -> list[str]:
    return [str(json.loads(x)["text"]) for x in path.read_text(encoding="utf-8").splitlines() if x]


def figures(params: dict[str, object], test: list[tuple[str, int]]) -> dict[str, float]:
    """Every figure the rule reads, for the detector with ``params`` (encoder off)."""
    params = {"encoder": False} | params
    det = ToxicityDetector(ToxicityParams(**params))  # type: ignore[arg-type]
    out = measure(det, test) | starter_counts("toxicity", params)
    scores, _ = score_counting(det, _texts(DILUTED_DEV))
    out["diluted_caught_0.5"] = float((np.asarray(scores) >= 0.5).mean())
    scores, _ = score_counting(det, _texts(CONTEXT_BENIGN_DEV))
    out["context_benign_flagged_0.5"] = float((np.asarray(scores) >= 0.5).sum())
    return out


def verdict(old: dict[str, float], new: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    return [
        (
            "1. diluted toxic texts: +15 points",
            new["diluted_caught_0.5"] >= old["diluted_caught_0.5"] + 0.15,
        ),
        (
            "2. context-benign texts: +4 flagged at most",
            new["context_benign_flagged_0.5"] <= old["context_benign_flagged_0.5"] + 4,
        ),
        (
            "3. functional dev AUROC: -0.005 at most",
            new["fresh_auroc"] >= old["fresh_auroc"] - 0.005,
        ),
        (
            "3. functional dev balanced accuracy: -1 point at most",
            new["fresh_balanced_acc"] >= old["fresh_balanced_acc"] - 0.01,
        ),
        (
            "3. benign dev answers flagged: not more",
            new["answers_benign_flagged"] <= old["answers_benign_flagged"],
        ),
        (
            "3. toxic dev answers recall: -2 points at most",
            new["answers_toxic_recall"] >= old["answers_toxic_recall"] - 0.02,
        ),
        (
            "3. everyday messages flagged: not more",
            new["messages_flagged"] <= old["messages_flagged"],
        ),
        ("3. test AUROC: -0.005 at most", new["test_auroc"] >= old["test_auroc"] - 0.005),
        (
            "3. starter: no more benign blocked",
            new["starter_benign_blocked"] <= old["starter_benign_blocked"],
        ),
        (
            "3. starter: no more harmful let through",
            new["starter_harmful_allowed"] <= old["starter_harmful_allowed"],
        ),
    ]


def main() -> bool:
    from training.encoder_rules import default_data_dir
    from training.toxicity_data import expand_own, load_public, own_answers, own_benign
    from training.train_toxicity import split_of

    examples = load_public(default_data_dir()) + expand_own(DATA) + own_benign(DATA)
    examples += own_answers(DATA)
    test = [(e.text, e.label) for e in examples if split_of(e) == "test"]
    old = figures({"short_segments_over": 0}, test)
    new = figures(CANDIDATE, test)
    return report("v6", old, new, verdict(old, new))


if __name__ == "__main__":
    main()
