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
"""

from __future__ import annotations

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
