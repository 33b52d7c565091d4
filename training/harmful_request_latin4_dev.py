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
"""

from __future__ import annotations

from training.harmful_request_latin3_dev import judge

BLIND = "harmful_request_latin_v21_dev.jsonl"
SEEN = ("harmful_request_latin_v19_dev.jsonl", "harmful_request_latin_v20_dev.jsonl")


def main() -> None:
    judge(BLIND, SEEN)


if __name__ == "__main__":
    main()
