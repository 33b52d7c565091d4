"""Judge ``harmful_request``'s non-Latin scope, round 7: a head of its own for non-Latin scripts.

Round 6 (``training/harmful_request_scripts2_dev.py``) put round 4's head on Russian, Chinese,
Japanese, Korean, Arabic and Thai text. It caught 75% of harmful requests there (the English
cascade: none) at English's cost, but flagged 10.4% of everyday questions against English's 0%,
scattered over ordinary topics (knitting, calligraphy, taxes): the head has about 330 benign
non-Latin rows to learn ordinary text from. Round 5 had shown that retraining the shared head
moves Latin decisions (the French starter prompt ``el-c4`` flipped), so this round leaves the
Latin head alone.

**Candidate** (fixed before training and before the blind set exists; one only):

- Scope ``use`` as in rounds 5-6. Latin-script routed text keeps round 4's head
  (``models/harmful_request_use.npz``, unchanged); non-Latin routed text goes to a new head,
  ``models/harmful_request_use_scripts.npz``.
- Its rows: round 4's rows plus ``harmful_request_multilingual_v22a.jsonl`` (236, kept from
  round 5) and ``harmful_request_multilingual_v24a.jsonl`` (360: ru, zh, ja, ko, ar, th x 52
  benign across the breadth of ordinary chat, sensitive questions and short slangy messages, and
  8 harmful; a helper session that saw none of our data, independent of the blind set's
  helper). Weights: Latin-routed rows as in round 4; among non-Latin-routed rows, harmful rows
  weigh half the benign ones but never more than 1 each (round 5 had weighted them up 2.4x).
- Heads: the same three; the one with the highest recall minus FPR at 0.5 on the trainer's test
  bucket rows that route as non-Latin.

Blind set: ``harmful_request_scripts_v24_dev.jsonl`` (helper session, none of our data; never
trained on): part A, en, ru, zh, ja, ko, ar, th x (10 harmful, 10 everyday, 10 sensitive); part
B, uk, fa, hi, el x (4, 4, 4).

**Adoption rule** (written 2026-11-28, session 10, before the head was trained and before the
blind set was copied into the repository or read). Round 6's seven clauses, unchanged (see
``training/harmful_request_scripts2_dev.py``: non-Latin recall at least 0.60; benign flags at
0.4 at most English's on the same set plus 3 points, pooled and everyday alone; English and part
B unchanged; v21 Latin scores unchanged; no English dev row routed; starter unchanged; routed
non-Latin checks at most 1 ms over English checks that pay for MiniLM at p50, RSS under
500 MB), judged on the v24 set. If it fails, ``use`` stays an opt-in with round 4's head.

**Outcome: adopted** (one run of ``python -m training.harmful_request_scripts3_dev``; the MLP
head was chosen, criterion 0.685 against 0.682 / 0.669 on the test bucket's non-Latin rows):

1. non-Latin harmful recall at 0.5: 0.000 -> **0.633** (zh, ja 8 of 10; ru 7, th 6, ko 5,
   ar 4): PASS;
2. parity of flags: non-Latin benign flagged at 0.4 **2.5%** (3 of 120: one zh, one ko, one ar
   sensitive row) against English's 0.0% on the same set; everyday 0.0% against 0.0%: PASS;
3. English and part B rows (uk, fa, hi, el): 0 of 78 changed: PASS;
4. Latin: 0 of 296 v21 scores changed: PASS;
5. English dev rows routed: 0 of 871: PASS;
6. starter: no change (7 benign blocked, no harmful let through): PASS;
7. parity of cost: routed non-Latin checks 6.21 ms at p50 (with the ``latin`` scope 0.84)
   against 12.20 ms for the 14 English rows that paid for MiniLM; RSS 264 MB: PASS.

``multilingual_scripts: use`` is now the default.
"""

from __future__ import annotations

from training.harmful_request_scripts2_dev import judge

BLIND = "harmful_request_scripts_v24_dev.jsonl"


def main() -> None:
    judge(BLIND)


if __name__ == "__main__":
    main()
