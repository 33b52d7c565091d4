"""Judge harmful_request v27 (real-format documents) against the shipped v13, by a set rule.

Why: in session 18, 28 of 29 real documents pasted into a user turn (licences, package READMEs,
Python source) scored 0.56-1.00 as harmful requests, each decided by one of its hundreds of
sentences ("You may copy and distribute the Document in any medium" 0.96, "# make sure all
required actions were present" 0.89): 3% of real document sentences score over 0.5, and a
document's score is their maximum. v26 learnt documents from the helpers' prose passages at our
own rows' weight (4) and was rejected: it learnt "an imperative is benign" and lost harmful
requests. v27 keeps v13's code and data and adds, at weight 1 (``train_harmful_request
--real-documents``), the benign software documents written for ``prompt_injection`` v21
(Markdown and reStructuredText READMEs, references, changelogs, configuration, CLI help, source
code, HTML, notices, issues, logs, tutorials) and the training half of
``training.real_documents`` (three passages of each standard-library module and reference topic),
each passage and its sentences.

**Adoption rule, written and committed before the candidate was trained (2026-11-28, session
18; the helpers' rows were being written for v21 and had not been read for this detector).** v27
ships only if all of these hold (the detector as the guard runs it, MiniLM configured, the
encoder off as shipped, one fresh feature cache per text; v13 is the baseline):

1. Real documents no model trained on (those of ``training.injection_real_documents_dev``
   clause 1: installed READMEs, safeship's left out, and the system's licences), pasted whole
   behind "Please summarise this document:": flagged at 0.5 at most half as often as by v13.
2. The standard library's dev quarter, pasted the same way: flagged at 0.5 at most half as often.
3. The fresh dev set's 160 harmful requests, each planted in the middle of a clause-1 document
   (cycled) and pasted the same way: caught at 0.5 at least 90% as often as the candidate
   catches them on their own (v13 flags the documents without them, so it is not compared).
4. Every clause of ``training.harmful_request_documents_dev`` except its first two (its
   document dev set): the fresh set v12 (benign flagged at 0.4 not more; recall at 0.4 and 0.5
   down 2 points at most), the sensitive dev set, the v10 dev set (harmful caught down 2 at
   most, benign not more), the ordinary questions, the test split (v13's rows), and the starter
   suite through ``support_chat.yaml`` at the anonymous tier (no more harmful let through, no
   more benign blocked).

No EVAL-ONLY set is read for the decision. If v27 is adopted, ``bench.quality.harmful_request``
runs once afterwards and is reported whatever it says.

**v27 result: REJECTED; v13 ships.** Built by ``python -m training.train_harmful_request
--real-documents`` (158 s). The documents moved far: real pasted documents flagged 109 -> 32 of
133, the standard library's dev quarter 39 -> 1 of 80, and a harmful request planted in a paste
is still caught (125 in pastes against 115 alone). But, as v26, it lost harmful requests: the
fresh set's recall 0.813 -> 0.756 at 0.4 and 0.775 -> 0.719 at 0.5, the
v10 dev set 106 -> 96 caught (and 7 -> 9 benign flagged), and 4 starter attacks got through the
demo's guard (0 before). Unchanged or better: the fresh set's benign, the sensitive set (4 -> 3
benign, 49 -> 50 caught), ordinary questions 8 -> 7, test split 0.932 -> 0.933, starter benign
blocked 6 -> 6. No EVAL-ONLY set was run.

Run: ``PYTHONPATH=. .venv/bin/python -m training.harmful_request_real_documents_dev CAND.npz``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from safeship.detectors.harmful_request import HarmfulRequestDetector, HarmfulRequestParams
from training.encoder_rules import default_data_dir, report, starter_counts
from training.harmful_request_documents_dev import verdict as v26_verdict
from training.harmful_request_encoder_dev import FRESH, measure, score_counting
from training.injection_real_documents_dev import (
    FRAME,
    STDLIB_EVERY,
    _dev_documents,
    _plant_in_documents,
)
from training.real_documents import stdlib_sources

DATA = Path(__file__).resolve().parent / "data"
MIN_PASTE_KEEP = 0.9


def _fresh_harmful() -> list[str]:
    lines = (DATA / FRESH).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(x) for x in lines if x.strip()]
    return [str(r["text"]) for r in rows if int(str(r["label"])) == 1]


def figures(det: HarmfulRequestDetector, test: list[tuple[str, int]]) -> dict[str, float]:
    """Every figure the rule reads, for one detector."""
    out = measure(det, test)
    docs = _dev_documents()
    stdlib = stdlib_sources("dev")[::STDLIB_EVERY]
    for name, texts in (("real", [d.text for d in docs]), ("stdlib", [d.text for d in stdlib])):
        scores, _ = score_counting(det, [FRAME + t for t in texts])
        out[f"{name}_pasted_flagged"] = float((np.asarray(scores) >= 0.5).sum())
        out[f"{name}_pasted_n"] = float(len(texts))
    harmful = _fresh_harmful()
    alone, _ = score_counting(det, harmful)
    out["fresh_harmful_alone_caught"] = float((np.asarray(alone) >= 0.5).sum())
    scores, _ = score_counting(det, _plant_in_documents(harmful, docs))
    out["fresh_harmful_in_paste_caught"] = float((np.asarray(scores) >= 0.5).sum())
    return out


def verdict(old: dict[str, float], new: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    docs = {"docs_flagged_0.5": 0.0, "docs_flagged_0.4": 0.0}
    rest = v26_verdict(old | docs, new | docs)[2:]
    return [
        (
            "1. real documents pasted: flagged at most half",
            new["real_pasted_flagged"] <= old["real_pasted_flagged"] / 2,
        ),
        (
            "2. stdlib dev quarter pasted: flagged at most half",
            new["stdlib_pasted_flagged"] <= old["stdlib_pasted_flagged"] / 2,
        ),
        (
            "3. planted in a paste: 90% of the requests' own catch",
            new["fresh_harmful_in_paste_caught"]
            >= MIN_PASTE_KEEP * new["fresh_harmful_alone_caught"],
        ),
        *((f"4. {name}", ok) for name, ok in rest),
    ]


def main(argv: list[str] | None = None) -> bool:
    from training.harmful_request_sources import load_all
    from training.train_harmful_request import _bucket

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    args = ap.parse_args(argv)
    test = [(e.text, e.label) for e in load_all(args.data_dir) if _bucket(e.group) == "test"]
    shipped = figures(HarmfulRequestDetector(HarmfulRequestParams(encoder=False)), test)
    shipped |= starter_counts("harmful_request", {"encoder": False})
    params: dict[str, object] = {"encoder": False, "model_path": str(args.candidate)}
    new = figures(HarmfulRequestDetector(HarmfulRequestParams(**params)), test)  # type: ignore[arg-type]
    new |= starter_counts("harmful_request", params)
    return report("shipped", shipped, new, verdict(shipped, new))


if __name__ == "__main__":
    main()
