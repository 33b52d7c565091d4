"""Judge a hazard head on USE embeddings for the text ``harmful_request`` routes to its USE heads.

Why: a policy keys its refusal on the hazard (self-harm -> crisis resources). For routed text
(rounds 4 and 7) the score comes from a USE head but the hazard still comes from the English
MiniLM hazard head, which reads noise there: on the harmful rows of the blind sets v19-v24 that
the detector routes (396 rows), it names the helper's hazard 16.9% of the time, and only 3 of
39 self-harm requests as self-harm. That baseline was measured once, before this rule; the
sets' category labels had never been used for anything else.

**Candidate** (fixed before training; one only): multinomial logistic regression (``C=1``, up to
3,000 iterations) on USE multilingual embeddings, fitted on every harmful row with a hazard that
the English hazard head's trainer reads (AILuminate in English and French, do-not-answer, mapped
as there) plus the harmful rows of our multilingual training files with a category, mapped by
``CATEGORY_MAP`` below. It replaces the English hazard head for routed text only; the score is
untouched.

**Rule** (written 2026-11-28, session 10, before the head was trained), judged on the routed
harmful rows of the blind sets v19-v24, the helper's category mapped by ``CATEGORY_MAP``:

1. hazard accuracy at least 20 points above the shipped 16.9%;
2. at least half of the self-harm rows named ``self_harm``;
3. every row's score unchanged, and the category of every row that is not routed unchanged;
4. cost: a routed text's check at most 1 ms more at p50 (the USE embedding is already there).

**Outcome: adopted** (one run of ``python -m training.harmful_request_use_hazards_dev``; the
head: 4,702 fit rows, 448 of them ours in 14 languages; held-out public accuracy 0.761):

1. routed harmful rows (396): hazard accuracy 0.169 -> **0.596**: PASS;
2. self-harm rows named ``self_harm``: 3 of 39 -> **23 of 39** (the other 14 score under 0.15,
   where no hazard is named at all, and 2 more): PASS;
3. 0 of 1,634 rows changed score, or category where not routed: PASS;
4. routed texts, detector p50 6.11 -> 5.05 ms (the MiniLM hazard head no longer runs there):
   PASS.

``multilingual_hazards`` is now on by default.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from safeship.detectors.harmful_request import (
    HarmfulRequestDetector,
    HarmfulRequestParams,
)
from safeship.features.embedding import load_default_embedder
from safeship.scan import Scanner
from safeship.types import DetectorResult
from training.rule_report import p50_ms, print_verdicts, scan_ok
from training.train_harmful_request_use import DEV_SETS
from training.train_refusal import DATA

CATEGORY_MAP: dict[str, str] = {
    "child_safety": "child_exploitation",
    "poisoning": "violent_crimes",
    "election_fraud": "elections",
    "fraud_scam": "non_violent_crimes",
    "scam_phishing": "non_violent_crimes",
    "document_forgery": "non_violent_crimes",
    "stalking": "privacy",
    "stalking_doxxing": "privacy",
    "violence": "violent_crimes",
    "hate_speech": "hate",
    "specialized": "specialized_advice",
    "ip": "intellectual_property",
    "hacking": "code_abuse",
    "account_hacking": "code_abuse",
    "weapons": "indiscriminate_weapons",
    "weapons_explosives": "indiscriminate_weapons",
}
"""Helper category names -> our hazard ids (names already equal to an id map to themselves)."""

BLIND_SETS = tuple(
    name
    for name in DEV_SETS
    if name.startswith(("harmful_request_latin_", "harmful_request_scripts_"))
)
"""The blind sets v19-v24 (rounds 2-7): short messages with a helper's hazard per harmful row."""
ACCURACY_GAIN = 0.20
SELF_HARM_SHARE = 0.5
ADDED_MS = 1.0


def main() -> None:
    embedder = load_default_embedder()
    shipped = HarmfulRequestDetector(HarmfulRequestParams(multilingual_hazards=False))
    candidate = HarmfulRequestDetector(HarmfulRequestParams(multilingual_hazards=True))

    scanners = {id(det): Scanner(det, embedder) for det in (shipped, candidate)}

    def run(det: HarmfulRequestDetector, text: str) -> DetectorResult:
        return scan_ok(scanners[id(det)], text)

    rows = [json.loads(line) for name in BLIND_SETS for line in open(DATA / name, encoding="utf-8")]
    right0, right1, self_harm, moved, routed_texts = [], [], Counter(), 0, []
    for r in rows:
        a, b = run(shipped, r["text"]), run(candidate, r["text"])
        moved += abs(a.score - b.score) > 1e-9
        routed = "multilingual" in a.details
        if not routed:
            moved += a.category != b.category
            continue
        routed_texts.append(r["text"])
        if int(r["label"]) != 1:
            continue
        want = CATEGORY_MAP.get(r["category"], r["category"])
        right0.append(a.category == want)
        right1.append(b.category == want)
        if want == "self_harm":
            self_harm[b.category] += 1
    acc0, acc1 = float(np.mean(right0)), float(np.mean(right1))
    share = self_harm["self_harm"] / max(1, sum(self_harm.values()))
    print(f"1. routed harmful rows: {len(right1)}; hazard accuracy {acc0:.3f} -> {acc1:.3f}")
    print(f"2. self-harm rows named self_harm: {share:.2f} ({dict(self_harm)})")
    print(f"3. scores changed, or categories of rows not routed: {moved} of {len(rows)} rows")
    t0 = p50_ms(lambda t: run(shipped, t), routed_texts[:150], repeat=3)
    t1 = p50_ms(lambda t: run(candidate, t), routed_texts[:150], repeat=3)
    print(f"4. routed texts: detector p50 {t0:.2f} -> {t1:.2f} ms")
    print_verdicts(
        {
            "1 accuracy +20 points": acc1 - acc0 >= ACCURACY_GAIN - 1e-9,
            "2 self-harm named at least half the time": share >= SELF_HARM_SHARE,
            "3 scores and unrouted categories unchanged": moved == 0,
            "4 cost": t1 - t0 <= ADDED_MS,
        }
    )


if __name__ == "__main__":
    main()
