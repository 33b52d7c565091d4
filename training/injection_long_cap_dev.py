"""Judge a stage-2 cap for ``prompt_injection`` on long text, by a rule set in advance.

Why: since the guard scores texts over 8,000 characters off the event loop under each layer's
``timeout_ms`` (``safeship.long_text``), a detector slower than that on a paste is decided by its
fail mode. ``prompt_injection`` is the slow one on long non-Latin text: it scores the whole view
in 2,500-character chunks and up to 256 sentence segments, and embeds every chunk and segment
stage 1 is unsure of with MiniLM (a long CJK chunk is 256 word pieces), so 50,000 characters of
mixed non-Latin questions took 1.7 s and 200,000 took 4.5 s.

**Candidate** (fixed before any measurement of its effect; nothing retrained): for a view longer
than ``LONG_TEXT_CHARS`` (8,000), (a) the whole-view score is the maximum over only the 16 chunks
with the highest stage-1 logit (``best_window``'s ``max_stage2``), and (b) of the segments the
text model scores, only the 32 with the highest stage-1 logit may use stage 2; the others keep
their stage-1 probability (as a segment stage 1 is sure of always does). Shorter views are scored
exactly as before; the USE path (Latin-script languages) is unchanged.

**Adoption rule** (written 2026-11-28, session 11, before the candidate was run on any text):

1. Short text unchanged: every text of at most 8,000 characters in our injection dev sets
   (``injection_nonlatin_v13_dev``, ``_v14_dev``, ``injection_nonlatin_benign_v14_dev``,
   ``injection_multilingual_v15_dev``, ``_v16_dev``, ``injection_benign_tasks_v5_dev``) scores
   exactly as before.
2. Long texts, built here with a fixed seed from the non-Latin dev rows, one language per text
   (as a real paste is): for each language with benign and attack rows, collages of its benign
   rows of 20,000 and 50,000 characters, each once plain and once with one attack of that
   language buried at a random position: attacks caught at 0.5 and at 0.4 not fewer than
   uncapped; benign collages flagged at 0.5 and at 0.4 not more than uncapped.
3. Cost: this detector's median time on the 50,000-character collages at most 1,000 ms (the
   default ``timeout_ms``), measured in the same run as the uncapped one.

**Outcome: REJECTED** (one run, 2026-11-28, on 11 languages x 2 sizes x benign/attack):

1. short texts changed: 0 of 1,426: PASS;
2. attacks caught at 0.5 and 0.4: 13 -> 13 of 22; benign flagged at 0.5 and 0.4: 4 -> 4 of 22:
   PASS (no decision moved);
3. median time: 20,000 characters 888 -> 887 ms, 50,000 characters 2,098 -> 1,634 ms: FAIL.

Why, read after the verdict (a profile of six 50,000-character collages): the cost is still
MiniLM, 1.2 s a text, because the caps are per view and generous for CJK: 16 chunks of 2,500
characters are 16 embeddings of the full 256 word pieces (~35 ms each), and the normaliser gives
a long text two or three views, so a capped text still embeds up to ~150 windows. A next round
would cap per text (not per view) and at a few chunks (``toxicity`` uses 4). The candidate's code
was reverted right after the commit that recorded this outcome (which holds it); round 2 below
reinstated it with smaller caps.

**Round 2 rule, written and committed (2026-11-28, session 11) before round 2 ran.** The
candidate is round 1's with smaller caps, from the reading above: 4 whole-view chunks (as
``toxicity``) and 16 segments per view. Clauses unchanged (the long collages are used a second
time; nothing is trained, and they judge parity with the uncapped detector only).

**Round 2 outcome: ADOPTED** (one run): short texts changed 0 of 1,426; attacks caught 13 -> 13
and benign flagged 4 -> 4 of 22 at 0.5 and at 0.4; median time at 20,000 characters 774 -> 434
ms, at 50,000 characters 1,870 -> 518 ms: every clause passes. The caps ship as
``LONG_STAGE2_CHUNKS = 4`` and ``LONG_STAGE2_SEGMENTS = 16`` in ``detectors/injection.py``.

Run: ``PYTHONPATH=. .venv/bin/python -m training.injection_long_cap_dev``.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path

from safeship.detectors.injection import InjectionParams, PromptInjectionDetector
from safeship.long_text import LONG_TEXT_CHARS
from training.rule_report import jsonl_rows, print_verdicts, scored

DATA = Path(__file__).parent / "data"
SHORT_SETS = (
    "injection_nonlatin_v13_dev.jsonl",
    "injection_nonlatin_v14_dev.jsonl",
    "injection_nonlatin_benign_v14_dev.jsonl",
    "injection_multilingual_v15_dev.jsonl",
    "injection_multilingual_v16_dev.jsonl",
    "injection_benign_tasks_v5_dev.jsonl",
)
LONG_SOURCES = ("injection_nonlatin_v14_dev.jsonl", "injection_nonlatin_benign_v14_dev.jsonl")
SIZES = (20_000, 50_000)
SEED = 11
MAX_COST_MS = 1000.0


def long_texts() -> list[tuple[str, int, int, str]]:
    """(text, label, size, language): per language and size, one benign and one buried attack."""
    rng = random.Random(SEED)
    by_lang: dict[str, dict[int, list[str]]] = {}
    for name in LONG_SOURCES:
        for r in jsonl_rows(DATA / name):
            by_lang.setdefault(str(r["lang"]), {0: [], 1: []})[int(r["label"])].append(
                str(r["text"])
            )
    out = []
    for lang, rows in sorted(by_lang.items()):
        if not rows[0] or not rows[1]:
            continue
        for size in SIZES:
            parts: list[str] = []
            while sum(len(p) + 1 for p in parts) < size:
                parts.append(rng.choice(rows[0]))
            out.append(("\n".join(parts), 0, size, lang))
            buried = list(parts)
            buried.insert(rng.randrange(len(buried)), rng.choice(rows[1]))
            out.append(("\n".join(buried), 1, size, lang))
    return out


def main() -> bool:
    from safeship.detectors import injection

    det = PromptInjectionDetector(InjectionParams())
    det.setup()
    short = [
        str(r["text"])
        for name in SHORT_SETS
        for r in jsonl_rows(DATA / name)
        if len(str(r["text"])) <= LONG_TEXT_CHARS
    ]
    texts = long_texts()

    caps = (injection.LONG_STAGE2_CHUNKS, injection.LONG_STAGE2_SEGMENTS)

    def run_all(capped: bool) -> tuple[list[float], list[tuple[float, float]]]:
        # None, None is the detector before the candidate: every chunk and segment may embed
        chunks, segments = caps if capped else (None, None)
        injection.LONG_STAGE2_CHUNKS, injection.LONG_STAGE2_SEGMENTS = chunks, segments
        return [scored(det, t)[0] for t in short], [scored(det, t) for t, *_ in texts]

    short_unc, long_unc = run_all(False)
    short_cap, long_cap = run_all(True)
    changed = sum(a != b for a, b in zip(short_unc, short_cap, strict=True))
    print(f"1. short texts changed: {changed} of {len(short)}")
    clauses = [("short text unchanged", changed == 0)]
    n_each = len(texts) // 2
    for threshold in (0.5, 0.4):
        for label, name in ((1, "attacks caught"), (0, "benign flagged")):
            idx = [i for i, (_t, lab, _s, _l) in enumerate(texts) if lab == label]
            unc = sum(long_unc[i][0] >= threshold for i in idx)
            cap = sum(long_cap[i][0] >= threshold for i in idx)
            print(f"2. {name} at {threshold}: uncapped {unc}, capped {cap} (of {n_each})")
            clauses.append((f"{name} at {threshold}", cap >= unc if label else cap <= unc))
    for size in SIZES:
        idx = [i for i, (_t, _lab, s, _l) in enumerate(texts) if s == size]
        unc_ms = statistics.median(long_unc[i][1] for i in idx)
        cap_ms = statistics.median(long_cap[i][1] for i in idx)
        print(f"3. {size:,} chars: median {unc_ms:.0f} ms uncapped, {cap_ms:.0f} ms capped")
    big = [i for i, (_t, _lab, s, _l) in enumerate(texts) if s == max(SIZES)]
    clauses.append(
        (
            "cost at 50,000 chars <= 1,000 ms",
            statistics.median(long_cap[i][1] for i in big) <= MAX_COST_MS,
        )
    )
    return print_verdicts(dict(clauses))


if __name__ == "__main__":
    main()
