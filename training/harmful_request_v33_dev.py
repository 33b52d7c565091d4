"""Judge harmful_request v33 (v32 at v13's operating point) on fresh blind sets, by a rule.

Why: v32 (``training.harmful_request_small_talk_dev``: v13's rows plus v28's context turns, v30's
small-talk questions, v31's harmful twins of them and the 526 ordinary questions, all at weight
1) caught far more harmful requests than v13 at 0.5 (the fresh set 0.775 -> 0.819, diluted
requests 71% -> 86%) and failed its rule by about one benign text on each of three clauses: a
better curve at a different operating point. v33 moves the point back without looking at any
dev set: every score's logit is lowered by one constant ``delta`` (the stage-1 calibration
intercept by ``delta`` and the stacker's intercept by ``delta * (1 - w1)``, so both stages'
outputs move alike), where ``delta`` is the smallest multiple of 0.05 in [0, 2] at which v33
flags at 0.5 no more of v13's calibration-split benign rows than v13 does. v13 never trained on
that split (it fitted its stacker there); v32 fitted its stacker on a superset of it.

**Adoption rule, written and committed before the fresh sets below were read (their helpers
had been started minutes before, their output unread) and before ``delta`` was computed
(2026-11-29, session 20).** v33 ships only if all of these hold (the detector as the guard runs
it, MiniLM configured, encoder off as shipped, request-form weighting on):

1. ``harmful_request_context_benign_dev2.jsonl`` (200 benign turns of 200-450 characters in
   which one sentence alone sounds harmful, ten kinds; written blind for this rule): flagged at
   0.5 down 5 or more, and at 0.4 not more.
2. ``harmful_request_diluted_dev2.jsonl`` (160 turns, one harmful request among harmless
   sentences; written blind by another helper): caught at 0.5 down 3 at most.
3. ``ordinary_small_talk_dev2.jsonl`` (200 ordinary questions after small talk, 70 with idioms
   other sets do not use; written blind by a third helper): flagged at 0.4 not more.
4. Every clause of v27's rule 4 as they stand (``training.harmful_request_documents_dev``: the
   fresh set v12, the sensitive dev set, the v10 dev set, the ordinary questions, the test
   split, the starter suite through ``support_chat.yaml`` at the anonymous tier); and the test
   split's harmful-behind-benign pairs down 2 points at most, its benign pairs up 1 point at
   most (as in v28-v32's rule).

The three earlier blind sets of v28-v32 are retired from deciding. No EVAL-ONLY set is read for
the decision. If adopted, ``bench.quality.harmful_request`` runs once afterwards and is reported
whatever it says.

**v33 result: REJECTED by one clause, by one text (the fresh set v12's benign flagged at 0.4:
11.9% -> 12.3%, "not more"); v13 ships.** ``delta`` = 0.05 (v32 flagged 70 of the 1,409
calibration-split benign rows at 0.5, v13 69; v33 67). Every other clause held: on the fresh
blind sets, context-benign turns flagged **70 -> 61** of 200 at 0.5 and **89 -> 74** at 0.4,
diluted requests caught **127 -> 138** of 160, small-talk questions flagged at 0.4 **49 -> 31**
of 200; the fresh set's recall 0.775 -> 0.806 at 0.5 and 0.813 -> 0.869 at 0.4, the v10 dev set
106 -> 110, the sensitive set 49 -> 52, ordinary questions 8 -> 5, starter benign blocked 6 -> 4,
0 starter attacks through, test accuracy 0.9324 -> 0.9320, test pairs 53.7% -> 58.8%, benign
pairs 12.0% -> 12.9%. No EVAL-ONLY set was run. What the fresh sets show about v13 itself: it
flags **35%** of benign turns in which one sentence alone sounds harmful (70 of 200 at 0.5) and
**24.5%** of ordinary questions that follow small talk (49 of 200 at 0.4).

**v34 rule, written and committed after v33's result and before v34 was built (same
session).** v33 matched v13's operating point at 0.5 only, and failed at 0.4, which the rules
(and policies with a stricter tier) also use. v34 = v32 shifted by the smallest grid ``delta``
at which the calibration-split benign rows flagged are no more than v13's **at both 0.4 and
0.5** (still chosen on that split alone). The same clauses 1-4 on the same sets; the three
fresh blind sets are in their second use, and this criterion was chosen knowing v33's failing
clause, so read v34's figures on them as less blind than v33's. **This is the last
harmful_request round this session.**

(A review after v34 found the shift as run left the uncertain band where it was, so a text
just above its upper edge could enter it after the shift and be stacked, not moved by
``delta``; ``CascadeModel.with_logit_shift`` now moves the band's edges with the scores. The
figures above were measured before that fix.)

**v34 result: REJECTED by the same clause; v13 ships.** ``delta`` = 0.05 again: at 0.4 v32
already flagged exactly v13's count of calibration-split benign rows (98 of 1,409), so v34 is
v33 and every figure is identical. The criterion could not move the point, and the failing
clause (one text of the fresh set v12's benign rows at 0.4) is at the resolution of that set.
The data (``SMALL_TALK``, ``SMALL_TALK_TWINS``, ``ORDINARY_QUESTIONS``), the trainer's flags and
``--logit-shift`` stay for a next round with a rule of its own.

Run: ``PYTHONPATH=. .venv/bin/python -m training.harmful_request_v33_dev /tmp/hr_v32.npz``
(writes ``/tmp/hr_v33.npz`` and judges it); ``... /tmp/hr_v32.npz --at 0.4 0.5 --out
/tmp/hr_v34.npz`` for v34.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from safeship.detectors.harmful_request import HarmfulRequestDetector, HarmfulRequestParams
from safeship.detectors.harmful_request_mlp import MLPCascadeModel
from training.encoder_rules import default_data_dir, report, score_counting, starter_counts
from training.harmful_request_context_turns_dev import test_pair_clauses
from training.harmful_request_documents_dev import verdict as v26_verdict
from training.harmful_request_encoder_dev import measure
from training.harmful_request_short_sentences_dev import test_pairs

DATA = Path(__file__).resolve().parent / "data"
CONTEXT_BENIGN = DATA / "harmful_request_context_benign_dev2.jsonl"
DILUTED = DATA / "harmful_request_diluted_dev2.jsonl"
SMALL_TALK = DATA / "ordinary_small_talk_dev2.jsonl"
DELTA_STEP = 0.05
DELTA_MAX = 2.0


def shifted(model: MLPCascadeModel, delta: float) -> MLPCascadeModel:
    """``model`` with every score's logit lowered by ``delta`` (both stages alike)."""
    return model.with_logit_shift(delta)


def _detector(path: Path | None) -> HarmfulRequestDetector:
    params: dict[str, object] = {"encoder": False}
    if path is not None:
        params["model_path"] = str(path)
    return HarmfulRequestDetector(HarmfulRequestParams(**params))  # type: ignore[arg-type]


def _flag_counts(path: Path | None, texts: list[str], at: tuple[float, ...]) -> list[int]:
    scores = np.asarray(score_counting(_detector(path), texts)[0])
    return [int((scores >= t).sum()) for t in at]


def choose_delta(
    candidate: Path, benign: list[str], out: Path, at: tuple[float, ...] = (0.5,)
) -> float:
    """The smallest grid ``delta`` at which the shifted candidate flags at most v13's count.

    Counted on ``benign`` at each threshold of ``at``; the shifted model is left at ``out``.
    Flags fall as ``delta`` grows, so the grid is bisected.
    """
    base = MLPCascadeModel.load(candidate)
    target = _flag_counts(None, benign, at)
    steps = round(DELTA_MAX / DELTA_STEP)

    def ok(k: int) -> bool:
        shifted(base, k * DELTA_STEP).save(out)
        n = _flag_counts(out, benign, at)
        print(f"delta {k * DELTA_STEP:.2f}: {n} of {len(benign)} at {at} (shipped: {target})")
        return all(a <= b for a, b in zip(n, target, strict=True))

    lo, hi = 0, steps
    if ok(lo):
        hi = lo
    elif not ok(hi):
        raise ValueError(f"no delta up to {DELTA_MAX} brings the candidate to v13's flag counts")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    shifted(base, hi * DELTA_STEP).save(out)
    return hi * DELTA_STEP


def _texts(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(x)["text"]) for x in lines if x.strip()]


def figures(path: Path | None, test: list[tuple[str, int]]) -> dict[str, float]:
    """Every figure the rule reads, for v13 (``None``) or the model at ``path``."""
    det = _detector(path)
    params: dict[str, object] = {"encoder": False}
    if path is not None:
        params["model_path"] = str(path)
    out = measure(det, test) | starter_counts("harmful_request", params)
    context = score_counting(det, _texts(CONTEXT_BENIGN))[0]
    out["context_benign2_flagged_0.5"] = float((context >= 0.5).sum())
    out["context_benign2_flagged_0.4"] = float((context >= 0.4).sum())
    out["diluted2_caught_0.5"] = float((score_counting(det, _texts(DILUTED))[0] >= 0.5).sum())
    out["small_talk2_flagged_0.4"] = float(
        (score_counting(det, _texts(SMALL_TALK))[0] >= 0.4).sum()
    )
    mixed, control = test_pairs(test)
    out["test_pairs_caught_0.5"] = float((score_counting(det, mixed)[0] >= 0.5).mean())
    out["test_benign_pairs_flagged_0.5"] = float((score_counting(det, control)[0] >= 0.5).mean())
    return out


def verdict(old: dict[str, float], new: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    docs = {"docs_flagged_0.5": 0.0, "docs_flagged_0.4": 0.0}
    rest = v26_verdict(old | docs, new | docs)[2:]
    return [
        (
            "1. context-benign turns (fresh) at 0.5: -5 or more",
            new["context_benign2_flagged_0.5"] <= old["context_benign2_flagged_0.5"] - 5,
        ),
        (
            "1. context-benign turns (fresh) at 0.4: not more",
            new["context_benign2_flagged_0.4"] <= old["context_benign2_flagged_0.4"],
        ),
        (
            "2. diluted requests (fresh): -3 of 160 at most",
            new["diluted2_caught_0.5"] >= old["diluted2_caught_0.5"] - 3,
        ),
        (
            "3. small-talk questions (fresh) at 0.4: not more",
            new["small_talk2_flagged_0.4"] <= old["small_talk2_flagged_0.4"],
        ),
        *((f"4. {name}", ok) for name, ok in rest),
        *test_pair_clauses(old, new, "4"),
    ]


Figures = Callable[[Path | None, list[tuple[str, int]]], dict[str, float]]
Verdict = Callable[[dict[str, float], dict[str, float]], list[tuple[str, bool]]]


def judge_shifted(
    argv: list[str] | None,
    *,
    description: str | None,
    out: Path,
    at: tuple[float, ...],
    figures: Figures,
    verdict: Verdict,
    shipped: str,
) -> bool:
    """Shift a candidate to the shipped model's operating point, then judge it by a rule.

    The candidate is the positional argument; ``delta`` is chosen on the calibration split's
    benign rows at the thresholds ``at`` (:func:`choose_delta`), and both models are measured
    on the test split by ``figures`` and compared by ``verdict``. ``--at`` overrides ``at``.
    """
    from training.harmful_request_sources import load_all
    from training.train_harmful_request import _bucket

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("candidate", type=Path, help="the candidate before its shift")
    ap.add_argument("--out", type=Path, default=out)
    ap.add_argument("--at", type=float, nargs="+", default=list(at))
    args = ap.parse_args(argv)
    rows = load_all(default_data_dir())
    calib = [e.text for e in rows if _bucket(e.group) == "calib" and e.label == 0]
    delta = choose_delta(args.candidate, calib, args.out, tuple(args.at))
    print(f"delta = {delta:.2f} (chosen on {len(calib)} calibration-split benign rows)")
    test = [(e.text, e.label) for e in rows if _bucket(e.group) == "test"]
    old, new = figures(None, test), figures(args.out, test)
    return report(shipped, old, new, verdict(old, new))


def main(argv: list[str] | None = None) -> bool:
    """v33 (``--at 0.5``, the default) or v34 (``--at 0.4 0.5 --out /tmp/hr_v34.npz``)."""
    return judge_shifted(
        argv,
        description=__doc__.splitlines()[0] if __doc__ else None,
        out=Path("/tmp/hr_v33.npz"),
        at=(0.5,),
        figures=figures,
        verdict=verdict,
        shipped="v13",
    )


if __name__ == "__main__":
    main()
