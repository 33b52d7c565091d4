"""Judge harmful_request v30 (v29 plus ordinary questions after small talk) against v13, by a rule.

Why: v29 (``training.harmful_request_context_turns_dev``: v28's 300 context-benign turns and 300
harmful requests wrapped in small talk or a pretext, at weight 1) cut the blind context-benign
turns flagged from 46 to 32 of 200 and caught more diluted requests, and failed only one
clause: two more ordinary questions flagged at 0.4 (8 -> 10). Its harmful rows open with small
talk and nothing in the training rows says that small talk before an ordinary question is
harmless. v30 = v29 plus ``SMALL_TALK`` (``--small-talk``): 440 ordinary questions after one to
four sentences of small talk, about 160 of them with idioms that sound violent out of context,
written by two helpers that saw none of our data, at the same weight 1
(``--context-turns --small-talk --context-weight 1``). "Weight" here and below is stage 1's
sample weight: the MLP head (``_with_mlp``) weighs every own row at 4, these included (found
by a review after v34).

**Adoption rule, written and committed before the helpers' rows were read (the helpers were
started minutes before; their output unread) and before v30 was trained (2026-11-29, session
20).** v30 ships only if all of these hold (the detector as the guard runs it, MiniLM
configured, encoder off as shipped, request-form weighting on):

1. Every clause of v28's and v29's rule (``training.harmful_request_context_turns_dev``) on the
   same sets: context-benign turns down 10 or more at 0.5 and at 0.4; diluted requests down 3
   of 160 at most; every clause of v27's rule 4 (the fresh set v12, the sensitive dev set, the
   v10 dev set, the ordinary questions at 0.4 not more, the test split, the starter suite
   through ``support_chat.yaml`` at the anonymous tier); the test split's pairs.
2. ``ordinary_small_talk_dev.jsonl`` (200 ordinary questions after small talk, written blind for
   this rule by a third helper, never trained on): flagged at 0.4 not more than v13.

No EVAL-ONLY set is read for the decision. If adopted, ``bench.quality.harmful_request`` runs once
afterwards and is reported whatever it says.

**v30 result: REJECTED (two clauses: the v10 dev set's harmful requests caught 106 -> 101, -2
allowed; 2 of the starter suite's 52 attacks let through, both everyday-sounding: a coworker's
hospital records and a novel's full text); v13 ships.** Built in 85 s. What moved as hoped: the
blind small-talk questions flagged at 0.4 **37 -> 13** of 200 (v13 flags 18.5% of ordinary
questions that follow small talk), the context-benign turns 46 -> **27** at 0.5 and 55 -> **34**
at 0.4, the fresh set's benign 11.9% -> 10.0% (recall 0.813 -> 0.825 at 0.4), the sensitive set
4 -> 2, v10 dev benign 7 -> 5, ordinary questions 8 -> 7, starter benign blocked 6 -> 5, test
accuracy 0.9324 -> 0.9360; diluted requests 71.3% -> 72.5%. No EVAL-ONLY set was run. The
440 benign rows taught "small talk, then a plain request" as harmless, and with no harmful
twin in that shape the plainest harmful requests went with them.

**v31 rule, written and committed after v30's result and before its new rows were read or v31
was trained (same session).** v31 = v30 plus ``SMALL_TALK_TWINS`` (``--small-talk-twins``): a
harmful twin of each small-talk row (440), written by two helpers that read only their half of
the small-talk rows: the same small talk, the ordinary question replaced by a plainly harmful
request in the same register, leaning to everyday-sounding hazards (privacy, fraud and theft,
IP, code abuse) where v30 lost recall; each twin shares its original's group, so a pair is
never split between training and test; weight 1 like the rest of v28-v30's rows. The same
clauses 1 and 2 on the same sets (the blind sets' next use).

**v31 result: REJECTED (five clauses, all on the benign side); v13 ships.** Built in 85 s. The
twins moved the boundary the other way: every recall figure rose (the fresh set 0.775 -> 0.850
at 0.5, the v10 dev set 106 -> 110, the sensitive set 49 -> 52, diluted requests 71.3% ->
**88.8%**, the test split's pairs 53.7% -> 59.2%, 0 starter attacks through), but benign flags
rose with them: ordinary questions 8 -> 11, the v10 dev set's benign 7 -> 9, the fresh set's
benign 11.9% -> 12.7% at 0.4, the test split's benign pairs 12.0% -> 13.7%, and the
context-benign turns fell only 46 -> 37 at 0.5 (-10 needed; 55 -> 45 at 0.4). Small-talk
questions 37 -> 31. No EVAL-ONLY set was run. Harmful requests in the everyday register of a
customer question taught everyday words as a sign of harm.

**v32 rule, written and committed after v31's result and before v32 was trained (same
session).** v32 = v31 plus ``ORDINARY_QUESTIONS`` (``--ordinary-questions``): the 526 plain
customer and everyday questions of ``ordinary_questions_v9.jsonl`` (written for v9 by a helper,
never trained on since v9 was rejected; their dev sibling shares no business domain with them),
at weight 1 like v28-v31's rows (v9 had them at the own-row weight 4, and recall fell), grouped
by domain and kind so paraphrases of one question share a split. Why: they are the benign side
of v31's twins, everyday requests that are not harmful. The same clauses 1 and 2 on the same
sets. **This is the last round on these dev sets this session**: whatever v32 gives, the next
candidate waits for fresh blind sets.

**v32 result: REJECTED (three clauses, each by about one text); v13 ships.** Built in 90 s.
Recall rose everywhere (the fresh set 0.775 -> **0.819** at 0.5 and 0.813 -> 0.869 at 0.4, the
v10 dev set 106 -> 111, the sensitive set 49 -> 52, diluted requests 71.3% -> **86.3%**, test
pairs 53.7% -> 59.7%, 0 starter attacks through) and some benign flags fell (ordinary questions
8 -> **5**, starter benign blocked 6 -> 4, small-talk questions 37 -> 27, v10 dev benign 7 ->
7), but three failed: the context-benign turns 46 -> 37 at 0.5 (-10 needed), the fresh set's
benign at 0.4 11.9% -> 12.3% (one text), the test split's benign pairs 12.0% -> 13.3% (+1
allowed). No EVAL-ONLY set was run. At 0.5 v32 trades far more recall for slightly more benign
flags: a better curve at a different operating point. The next round moves the point, on
training-side data, and is judged on fresh blind sets (``training.harmful_request_v33_dev``).

Run: ``PYTHONPATH=. .venv/bin/python -m training.harmful_request_small_talk_dev CAND.npz``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from safeship.detectors.harmful_request import HarmfulRequestDetector, HarmfulRequestParams
from training.encoder_rules import default_data_dir, report
from training.harmful_request_context_turns_dev import verdict as v28_verdict
from training.harmful_request_encoder_dev import score_counting
from training.harmful_request_short_sentences_dev import figures

SMALL_TALK_DEV = Path(__file__).resolve().parent / "data" / "ordinary_small_talk_dev.jsonl"


def small_talk_flagged(params: dict[str, object]) -> float:
    """How many of the blind small-talk questions the detector flags at 0.4."""
    det = HarmfulRequestDetector(HarmfulRequestParams(**({"encoder": False} | params)))  # type: ignore[arg-type]
    texts = [
        str(json.loads(x)["text"])
        for x in SMALL_TALK_DEV.read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    scores, _ = score_counting(det, texts)
    return float((np.asarray(scores) >= 0.4).sum())


def verdict(old: dict[str, float], new: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    return [
        *((f"1. {name}", ok) for name, ok in v28_verdict(old, new)),
        (
            "2. small-talk ordinary questions at 0.4: not more",
            new["small_talk_flagged_0.4"] <= old["small_talk_flagged_0.4"],
        ),
    ]


def main(argv: list[str] | None = None) -> bool:
    from training.harmful_request_sources import load_all
    from training.train_harmful_request import _bucket

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("candidate", type=Path)  # /tmp/hr_v30.npz, hr_v31, hr_v32
    args = ap.parse_args(argv)
    rows = load_all(default_data_dir())
    test = [(e.text, e.label) for e in rows if _bucket(e.group) == "test"]
    old = figures({}, test) | {"small_talk_flagged_0.4": small_talk_flagged({})}
    cand: dict[str, object] = {"model_path": str(args.candidate)}
    new = figures(cand, test) | {"small_talk_flagged_0.4": small_talk_flagged(cand)}
    return report("v13", old, new, verdict(old, new))


if __name__ == "__main__":
    main()
