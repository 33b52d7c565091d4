"""Judge refusal v11 (stance encoder on every answer) against shipped v10 by a rule set in advance.

**Why a band change.** v10 consults its fine-tuned stance encoder only when v5's P(refusal)
lies in [0.2, 0.8]. Most of v10's remaining errors on our dev sets lie *outside* that band,
where v5 is confidently wrong and the encoder is never asked: 45 of 79 errors on dev v7, dev
v4, dev v6 and the SmolLM2 judge answers together. They are refusals that decline without
refusal words (a persona's "Not on my watch, sailor", a redirect that answers a safer question,
"My earlier answer stands") that v5 scores 0.01-0.2, and weak-model compliances that open like
letters or with "I'm here to help" that v5 scores 0.8-1.0. Widening the band to [0, 1] with the
same encoder and stacker raised binary accuracy on all four (0.936 -> 0.949, 0.904 -> 0.917,
0.899 -> 0.906, 0.870 -> 0.887). Those four sets chose the candidate, so they cannot judge it.

**The candidate (v11).** v10's artefacts with ``head.json``'s band set to [0.0, 1.0]; nothing
is retrained. Cost: every answer the refusal detector reads with embeddings on pays one encoder
pass (up to 160 word pieces). The default guard policy's ``refusal`` layer runs with
``embeddings: false`` and never pays it; the eval harness's scorer does.

**Adoption rule, written and committed (2026-11-28, session 12) before the candidate was run on
any set below, and before the fresh set existed.** v11 ships only if all hold, binary accuracy
(refused fully or partly vs complied) at 0.5, the detector run as the scorer runs it:

1. The fresh dev set ``refusal_dev_v11{a,b,c}.jsonl`` (written this session by three helper
   sessions that saw none of our data: two in 19+ answer styles over separate topic domains, one
   imitating a small weak model's answers; rows whose response text already appears in another
   refusal file are dropped before any scoring): v11 >= v10 + 0.5 point on all of it, and v11 not
   lower than v10 on the weak-model part (``v11c``) alone.
2. The held-out test set (745: composed test + hand-written ``test`` rows): v11 not lower than v10.
3. Ordinary answers (the 220 benign answers of ``toxicity_answers_v5_dev.jsonl``): no more read
   as refusals than v10 reads.
4. SmolLM2's raw answers to the starter suite (``out/demo/runs.db``): no more attack answers and
   no more benign answers read as refusals than v10 reads.
5. Cost: the median time of one refusal check with embeddings on, over the ordinary answers,
   at most 25 ms on this machine (the scorer reads one answer per eval case).

No EVAL-ONLY set is read for the decision; the scorer-accuracy bench and the demo run after it.

**v11 result: REJECTED; v10 ships.** Fresh rows after dropping repeats: 167 / 168 / 150.

| figure | v10 | v11 | clause |
|---|---|---|---|
| fresh dev v11 (485) | 0.767 | 0.792 | +0.5 point: pass |
| its weak-model part (150) | 0.767 | 0.787 | not lower: pass |
| held-out test (745) | 0.940 | 0.941 | not lower: pass |
| ordinary answers read as refusals (220) | 2 | 2 | not more: pass |
| SmolLM2 starter attack answers read as refusals (52) | 15 | **16** | not more: **fail** |
| SmolLM2 starter benign answers read as refusals (52) | 8 | 8 | not more: pass |
| median check with embeddings | 0.3 ms | 10.3 ms | <= 25 ms: pass |

One more of SmolLM2's answers to a starter attack is read as a refusal: the clause exists because
a scorer that hides attack successes flatters every figure built on it (v8). The larger finding
is the fresh set itself: **v10 reads only 76.7% of it right**, against 0.94 on the held-out test
written with the training data. Per label: compliance 199/206, full refusal 125/151, partial
refusal **48/128**. Implicit partial refusals (an answer to a safer question than the one asked,
in-character declines, drift) are read as compliance almost always; a reader of the answer alone
cannot see that it does not answer the request.

Run: ``PYTHONPATH=. .venv/bin/python -m training.refusal_band_dev``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from safeship.detectors.refusal import RefusalDetector, RefusalParams, models_dir
from training.encoder_rules import report
from training.refusal_rule_figures import (
    accuracy,
    ordinary_figures,
    starter_clauses,
    starter_figures,
)
from training.train_refusal import DATA, HANDWRITTEN, load, splits

FRESH = ("refusal_dev_v11a.jsonl", "refusal_dev_v11b.jsonl", "refusal_dev_v11c.jsonl")
WEAK = "refusal_dev_v11c.jsonl"
OLDER = (
    "refusal_train.jsonl",
    "refusal_val.jsonl",
    "refusal_test.jsonl",
    "refusal_dev_v4.jsonl",
    "refusal_dev_v6.jsonl",
    "refusal_dev_v7.jsonl",
    "refusal_smollm2_v10.jsonl",
    *HANDWRITTEN,
)
CANDIDATE_BAND = (0.0, 1.0)
MIN_FRESH_GAIN = 0.005
MAX_MEDIAN_MS = 25.0


def fresh_rows() -> dict[str, list[dict[str, str]]]:
    """The fresh files, minus rows whose response text another refusal file already holds."""
    seen = {
        " ".join(r["response"].split()).lower()
        for name in OLDER
        if (DATA / name).exists()
        for r in load(name)
    }
    return {
        name: [r for r in load(name) if " ".join(r["response"].split()).lower() not in seen]
        for name in FRESH
    }


def candidate_dir(workdir: Path) -> Path:
    """A copy of the shipped encoder whose stacker band is ``CANDIDATE_BAND``."""
    target = workdir / "refusal_encoder"
    shutil.copytree(models_dir() / "refusal_encoder", target)
    head_path = target / "head.json"
    head = json.loads(head_path.read_text(encoding="utf-8"))
    head["stack"]["band"] = list(CANDIDATE_BAND)
    head_path.write_text(json.dumps(head), encoding="utf-8")
    return target


def measure(det: RefusalDetector) -> dict[str, float]:
    """Every figure the rule reads, for one detector (answers scored alone, as v11 was)."""
    fresh = fresh_rows()
    return {
        "fresh_all": accuracy(det, [r for rows in fresh.values() for r in rows], False),
        "fresh_weak": accuracy(det, fresh[WEAK], False),
        "held_out_test": accuracy(det, splits()[2], False),
        **ordinary_figures(det),
        **starter_figures(det, with_prompt=False),
    }


def verdict(v10: dict[str, float], v11: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    return [
        ("fresh dev +0.5 point", v11["fresh_all"] >= v10["fresh_all"] + MIN_FRESH_GAIN),
        ("fresh weak-model part not lower", v11["fresh_weak"] >= v10["fresh_weak"]),
        ("held-out test not lower", v11["held_out_test"] >= v10["held_out_test"]),
        ("ordinary answers flagged not more", v11["ordinary_flagged"] <= v10["ordinary_flagged"]),
        *starter_clauses(v10, v11),
        (f"median check <= {MAX_MEDIAN_MS:.0f} ms", v11["median_ms"] <= MAX_MEDIAN_MS),
    ]


def main() -> bool:
    counts = {name: len(rows) for name, rows in fresh_rows().items()}
    print("fresh rows after dropping repeats:", counts)
    v10 = measure(RefusalDetector(RefusalParams(encoder=True)))
    with tempfile.TemporaryDirectory() as tmp:
        params = RefusalParams(encoder=True, encoder_dir=candidate_dir(Path(tmp)))
        v11 = measure(RefusalDetector(params))
    return report("v10", v10, v11, verdict(v10, v11))


if __name__ == "__main__":
    main()
