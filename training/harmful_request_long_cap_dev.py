"""Judge a stage-2 cap for ``harmful_request`` on long English text, by a rule set in advance.

Why: since the guard scores texts over 8,000 characters off the event loop under each layer's
``timeout_ms`` (``safeship.long_text``), a long text is decided by the fail mode whenever a
detector takes longer than that. ``harmful_request`` is the slow one on long English text: its
cascade scans up to 4,096 sentence windows and embeds every window stage 1 is unsure of with
MiniLM, so a 200,000-character paste took 2.6 s (50,000: 1.1 s) and a 1,000 ms layer times out.
Stage 1 is cheap (0.1 s for the 200,000 characters); the embeddings are the cost.

**Candidate** (fixed before any measurement of its effect; nothing retrained): for a view longer
than ``LONG_TEXT_CHARS`` (8,000) the cascade scores only the 32 windows with the highest stage-1
logit (``best_window``'s existing ``max_stage2``, already used by ``toxicity``); shorter views
are scored exactly as before. The score is the maximum over windows, as before, so a window
stage 1 finds harmless can only matter if more than 32 windows look more suspicious than it.

**Adoption rule** (written 2026-11-28, session 11, before the candidate was run on any text):

1. Short text unchanged: every text of at most 8,000 characters in our harmful-request dev sets
   (``DEV_SETS`` of ``training.train_harmful_request_use``, plus the English v12 dev set) scores
   exactly as before.
2. Long texts (built here with a fixed seed from our own dev rows, none trained on: everyday
   questions and benign-but-sensitive questions from ``ordinary_questions_v9_dev`` and
   ``benign_sensitive_v7_dev``, joined into 40 texts of 20,000 and 40 of 100,000 characters; in
   half of them one harmful request from ``harmful_request_dev_v12`` is buried at a random
   sentence): harmful texts caught at 0.5 and at 0.4 not fewer than uncapped; benign texts
   flagged at 0.5 and at 0.4 not more than uncapped.
3. Cost: this detector's median time on the 100,000-character texts at most 1,000 ms (the
   default ``timeout_ms``), measured in the same run as the uncapped one.

**Outcome: ADOPTED** (one run, 2026-11-28, with another benchmark sharing the 2 cores):

1. short texts changed: 0 of 2,690: PASS;
2. harmful caught at 0.5 / 0.4: 40 -> 40 / 40 -> 40 of 40; benign flagged at 0.5 / 0.4:
   40 -> 40 / 40 -> 40 of 40: PASS (no decision moved);
3. median time, uncapped -> capped: 20,000 characters 1,934 -> 690 ms, 100,000 characters
   8,556 -> 600 ms: PASS.

Read after the verdict, and worth more than the verdict: **every** benign collage is flagged,
capped or not. A collage of 100-500 benign questions on sensitive topics holds, almost surely,
one the detector scores >= 0.5 on its own (it flags about 15% of such questions singly, card),
and a long text's score is the maximum over its windows. A long paste of many sensitive
questions is therefore blocked whatever it says; the cap changes the cost of that, not the
decision. Long English text needs an aggregate other than the maximum (or a document-level
model), which is a model round of its own.

Run: ``PYTHONPATH=. .venv/bin/python -m training.harmful_request_long_cap_dev``.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path

from safeship.detectors.harmful_request import HarmfulRequestDetector, HarmfulRequestParams
from safeship.detectors.textmodel import best_window
from safeship.long_text import LONG_TEXT_CHARS
from training.rule_report import jsonl_rows, print_verdicts, scored
from training.train_harmful_request_use import DEV_SETS

DATA = Path(__file__).parent / "data"
BENIGN = ("ordinary_questions_v9_dev.jsonl", "benign_sensitive_v7_dev.jsonl")
HARMFUL = "harmful_request_dev_v12.jsonl"
SIZES = (20_000, 100_000)
PER_SIZE = 40
SEED = 11
MAX_COST_MS = 1000.0


def long_texts() -> list[tuple[str, int, int]]:
    """(text, label, size): half benign collages, half with one buried harmful request."""
    rng = random.Random(SEED)
    benign = [str(r["text"]) for name in BENIGN for r in jsonl_rows(DATA / name) if r["label"] == 0]
    harmful = [
        str(r["text"])
        for r in jsonl_rows(DATA / HARMFUL)
        if r["label"] == 1 and r.get("lang", "en") == "en"
    ]
    out = []
    for size in SIZES:
        for k in range(PER_SIZE):
            parts: list[str] = []
            while sum(len(p) + 1 for p in parts) < size:
                parts.append(rng.choice(benign))
            label = k % 2
            if label:
                parts.insert(rng.randrange(len(parts)), rng.choice(harmful))
            out.append(("\n".join(parts), label, size))
    return out


class Uncapped(HarmfulRequestDetector):
    """The detector as shipped before the cap: every window of every view goes to the cascade."""

    def cascade_window(self, views, features):  # type: ignore[no-untyped-def]
        from safeship.detectors.harmful_request import _windows

        return best_window(self._model, views, _windows, features)


def main() -> bool:
    capped, uncapped = (
        HarmfulRequestDetector(HarmfulRequestParams()),
        Uncapped(HarmfulRequestParams()),
    )
    capped.setup()
    uncapped.setup()
    short = [
        str(r["text"])
        for name in (*DEV_SETS, "harmful_request_dev_v12.jsonl")
        for r in jsonl_rows(DATA / name)
        if len(str(r["text"])) <= LONG_TEXT_CHARS
    ]
    changed = sum(scored(capped, t)[0] != scored(uncapped, t)[0] for t in short)
    print(f"1. short texts changed: {changed} of {len(short)}")
    texts = long_texts()
    results = [(label, size, scored(capped, t), scored(uncapped, t)) for t, label, size in texts]
    clauses = [("short text unchanged", changed == 0)]
    for threshold in (0.5, 0.4):
        for label, name in ((1, "harmful caught"), (0, "benign flagged")):
            cap_n = sum(c[0] >= threshold for lab, _, c, _u in results if lab == label)
            unc_n = sum(u[0] >= threshold for lab, _, _c, u in results if lab == label)
            ok = cap_n >= unc_n if label else cap_n <= unc_n
            print(f"2. {name} at {threshold}: uncapped {unc_n}, capped {cap_n} (of {PER_SIZE})")
            clauses.append((f"{name} at {threshold}", ok))
    for size in SIZES:
        cap_ms = statistics.median(c[1] for _l, s, c, _u in results if s == size)
        unc_ms = statistics.median(u[1] for _l, s, _c, u in results if s == size)
        print(f"3. {size:,} chars: median {unc_ms:.0f} ms uncapped, {cap_ms:.0f} ms capped")
        if size == max(SIZES):
            clauses.append(("cost at 100,000 chars <= 1,000 ms", cap_ms <= MAX_COST_MS))
    return print_verdicts(dict(clauses))


if __name__ == "__main__":
    main()
