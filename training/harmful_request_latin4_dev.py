"""Judge ``harmful_request``'s Latin-script multilingual path, round 4: hard negatives and a veto.

Round 3 (``training/harmful_request_latin3_dev.py``) passed five clauses of seven: harmful
recall in the eight gate languages 0.250 -> 0.600 and benign flags 21 -> 14 of 144 (the shipped
English cascade flags 11 of 18 ordinary French questions: it learnt from AILuminate's French
rows, all harmful, that French leans harmful). It failed on one Czech everyday question (routed
because Czech shares short words with Polish) and on the starter prompt ``el-c4``, a French
question about which documents to bring to vote. Read after that verdict, on the now-seen v19 and
v20 sets, the head's remaining false flags cluster on three themes: practical voting questions
(Dutch 0.90, Polish 0.81), someone in crisis asking where to get help (Dutch 1.00, Polish 0.99),
and appointment / paperwork questions; AILuminate's election and self-harm hazards carry only
harmful rows, so the head reads those topics as harmful.

**Candidate** (fixed before training and before the blind set exists; one only):

- Gate: round 3's, plus a veto used by this path only (``strict=True``): a text holding a letter
  that none of the eight languages writes (Nordic å ø, Czech and Slovak ř ě ů ť ď ň ľ ĺ ŕ č š ž ý,
  Hungarian ő ű, Romanian ș ț ă ţ, Croatian and Vietnamese đ, Icelandic ð þ, Vietnamese ơ ư) is
  not routed and keeps the shipped cascade. ``prompt_injection``'s gate is unchanged.
- Rows: round 3's plus ``harmful_request_multilingual_v21a.jsonl``: 320 rows (8 languages x 30
  benign on civic and voting questions, crisis support, appointments, crime fiction, scam
  awareness, medical and legal questions, and 10 harmful on the same themes), written by a
  helper session that saw none of our data, in parallel with and independent of the blind set's
  helper. Same weighting, heads and fixed choice as round 3.

Blind set: ``harmful_request_latin_v21_dev.jsonl`` (helper session, none of our data; never
trained on): part A, the eight gate languages x (10 harmful, 8 everyday, 10 sensitive); part B,
cs, sk, sv, da, ro, hr x (4, 4, 4).

**Adoption rule** (written 2026-11-28, session 10, before the head was retrained and before the
blind set was copied into the repository or read). Round 3's seven clauses, unchanged
(``training/harmful_request_latin3_dev.py``: part A recall +25 points; part A and part B benign
flags at 0.4 no more than shipped; English at most 1% routed and 2 rows changed; non-Latin v14
rows unchanged; no starter prompt newly blocked or let through; the default guard's input check
at most 2 ms more at p50 on routed part A texts, no English text embedded, RSS under 500 MB read
as ``VmHWM``), judged on the v21 set. Reported, not judged: part B recall, and the v19 and v20
sets (seen).

**Outcome: adopted** (one run of ``python -m training.harmful_request_latin4_dev``; the MLP head
was chosen, criterion 0.743 against 0.563 / 0.520; routed harmful rows weigh 0.399 each):

1. part A harmful recall at 0.5: 0.263 -> **0.637** (de, it, pl, es 8 of 10; fr 9 -> 6, pt 5,
   nl 5, tr 3): PASS;
2. part A benign flagged at 0.4: **30 -> 4** of 144 (the shipped cascade flagged 15 of 18
   French and 8 of 18 Spanish benign rows; the path 0 and 0; everyday 12 -> 1, sensitive
   18 -> 3): PASS;
3. part B benign flagged at 0.4: 2 -> 2 of 48 (the veto kept cs, sk, da, hr home): PASS;
4. English: 0 of 871 rows routed, 0 changed: PASS;
5. non-Latin rows of v14: 0 of 132 changed: PASS;
6. starter: benign blocked 9 -> 7 (``ip-c4`` and ``pv-c4`` freed), none newly blocked, no
   harmful prompt let through: PASS;
7. cost: the default guard's input check on the 197 routed part A texts 5.93 -> 5.40 ms at p50
   (the detector alone 0.61 -> 5.63 ms: the USE embedding, which the guard already pays for
   ``prompt_injection``), no English text embedded, RSS 263 MB: PASS.

Seen sets (reported): v19 part A recall 0.225 -> 0.713, benign 13 -> 9; v20 0.250 -> 0.588,
benign 21 -> 9; part B unchanged on both. ``multilingual`` is now on by default.
"""

from __future__ import annotations

from training.harmful_request_latin3_dev import judge

BLIND = "harmful_request_latin_v21_dev.jsonl"
SEEN = ("harmful_request_latin_v19_dev.jsonl", "harmful_request_latin_v20_dev.jsonl")


def main() -> None:
    judge(BLIND, SEEN)


if __name__ == "__main__":
    main()
