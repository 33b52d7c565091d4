"""Judge the toxicity encoder (v9 candidate) against the shipped v6, by a rule set in advance.

The candidate: v6 unchanged (cascade, MLP stage 2, category head, lexicon), plus a MiniLM encoder
fine-tuned end to end on toxic-vs-not (``training.finetune_toxicity_encoder``), consulted only
when v6's score (the best window's) lies in a band, and a two-feature stacker
``[logit score_v6, encoder logit]`` on that window. Stacker and band are fitted by
``training.fit_toxicity_stacker`` on rows no toxicity model was trained on
(``toxicity_messages_v8.jsonl``: 260 toxic texts and 130 civil twins; the 451 benign messages of
``injection_casual_messages.jsonl``), classes balanced; the band is the narrowest whose 5-fold
cross-validated balanced accuracy there is within 0.5 point of the best among the bands that
send at most 15% of a cost set (the 201 benign prompts of ``benign_sensitive_v7_dev.jsonl``) to
the encoder.

**Adoption rule, written and committed before the encoder was trained (2026-11-27, session 7).**
v9 ships only if all of these hold, the detector run as the guard runs it (MiniLM configured,
one fresh feature cache per text), flags at 0.5:

1. ``toxicity_functional_dev_v9.jsonl`` (480 texts over 21 functionalities, written this session
   by a helper that saw none of our data; never trained, fitted or chosen on): AUROC at least
   +0.03 over v6, and balanced accuracy at least +3 points.
2. ``toxicity_answers_v5_dev.jsonl`` (220 benign, 80 toxic answers; judged v5-v8 before): benign
   answers flagged not more than v6; toxic recall down 2 points at most.
3. ``casual_messages_dev.jsonl`` (151 everyday messages): flagged not more than v6.
4. The held-out test split ``training.train_toxicity`` builds (public + own rows): AUROC down
   0.005 at most.
5. Cost: the encoder runs on at most 25% of the benign dev answers and of the everyday messages.
6. The starter suite through ``support_chat.yaml`` at the anonymous tier (what the demo shows
   first): no more benign prompts blocked and no more harmful prompts let through at input.

No EVAL-ONLY set is read for the decision; HateCheck and the moderation set run once after it.

**v9 result: REJECTED; v6 ships.** Stacker band [0.2, 0.8] (4.0% of the cost set; on the stacker
rows 5-fold balanced accuracy v6 0.810, encoder alone 0.807, stacked 0.834).

| figure | v6 | v9 | clause |
|---|---|---|---|
| fresh functional dev (480): AUROC | 0.930 | 0.945 | +0.03: **fail** |
| fresh functional dev: balanced accuracy | 0.854 | 0.895 | +3 points: pass |
| benign dev answers flagged (of 220) / toxic recall | 1 / 0.963 | 0 / 0.963 | pass / pass |
| everyday messages flagged (of 151) | 11 | 13 | not more: **fail** |
| test split AUROC | 0.968 | 0.973 | pass |
| encoder share: benign answers / messages | - | 3.2% / 14.6% | 25% at most: pass |
| starter: benign blocked / harmful let through | 16 / 1 | 16 / 1 | pass |

The fresh set was easier for v6 than HateCheck is (0.930 against 0.701), which left little room
for the AUROC clause; the rule is the rule. No EVAL-ONLY set was run for v9. The run-time support
stays (``encoder_dir`` takes a user's own fine-tuned encoder); the shipped package has none.

Run: ``PYTHONPATH=. .venv/bin/python -m training.toxicity_encoder_dev [--encoder-dir DIR]``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from safeship.detectors.toxicity import ToxicityDetector, ToxicityParams
from training.encoder_rules import report, rule_args, score_counting, starter_counts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "training" / "data"
FRESH = "toxicity_functional_dev_v9.jsonl"
ANSWERS = "toxicity_answers_v5_dev.jsonl"
MESSAGES = "casual_messages_dev.jsonl"
MIN_AUROC_GAIN = 0.03
MIN_BALANCED_GAIN = 0.03
MAX_RECALL_LOSS = 0.02
MAX_TEST_AUROC_LOSS = 0.005
MAX_ENCODER_SHARE = 0.25


def _load(name: str) -> list[dict[str, object]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _balanced(y: np.ndarray, flagged: np.ndarray) -> float:
    return float(((flagged[y == 1]).mean() + (~flagged[y == 0]).mean()) / 2)


def measure(det: ToxicityDetector, test: list[tuple[str, int]]) -> dict[str, float]:
    """Every figure the rule reads, for one detector."""
    out: dict[str, float] = {}
    fresh = _load(FRESH)
    y = np.asarray([int(str(r["label"])) for r in fresh])
    s, _ = score_counting(det, [str(r["text"]) for r in fresh])
    out["fresh_auroc"] = float(roc_auc_score(y, s))
    out["fresh_balanced_acc"] = _balanced(y, s >= 0.5)
    answers = _load(ANSWERS)
    y = np.asarray([int(str(r["label"])) for r in answers])
    s, ran = score_counting(det, [str(r["text"]) for r in answers])
    out["answers_benign_flagged"] = float((s[y == 0] >= 0.5).sum())
    out["answers_toxic_recall"] = float((s[y == 1] >= 0.5).mean())
    out["answers_benign_encoder_share"] = float(ran[y == 0].mean())
    messages = [str(r["text"]) for r in _load(MESSAGES) if int(str(r["label"])) == 0]
    s, ran = score_counting(det, messages)
    out["messages_flagged"] = float((s >= 0.5).sum())
    out["messages_encoder_share"] = float(ran.mean())
    y = np.asarray([label for _, label in test])
    s, _ = score_counting(det, [text for text, _ in test])
    out["test_auroc"] = float(roc_auc_score(y, s))
    return out


def verdict(v6: dict[str, float], v9: dict[str, float]) -> list[tuple[str, bool]]:
    """Each clause of the rule and whether it holds."""
    return [
        ("fresh AUROC +0.03", v9["fresh_auroc"] >= v6["fresh_auroc"] + MIN_AUROC_GAIN),
        (
            "fresh balanced accuracy +3 points",
            v9["fresh_balanced_acc"] >= v6["fresh_balanced_acc"] + MIN_BALANCED_GAIN,
        ),
        (
            "benign dev answers flagged not more",
            v9["answers_benign_flagged"] <= v6["answers_benign_flagged"],
        ),
        (
            "toxic dev recall -2 points at most",
            v9["answers_toxic_recall"] >= v6["answers_toxic_recall"] - MAX_RECALL_LOSS,
        ),
        ("everyday messages flagged not more", v9["messages_flagged"] <= v6["messages_flagged"]),
        ("test AUROC -0.005 at most", v9["test_auroc"] >= v6["test_auroc"] - MAX_TEST_AUROC_LOSS),
        (
            "encoder on <= 25% of benign answers and messages",
            max(v9["answers_benign_encoder_share"], v9["messages_encoder_share"])
            <= MAX_ENCODER_SHARE,
        ),
        (
            "starter: no more benign blocked",
            v9["starter_benign_blocked"] <= v6["starter_benign_blocked"],
        ),
        (
            "starter: no more harmful let through",
            v9["starter_harmful_allowed"] <= v6["starter_harmful_allowed"],
        ),
    ]


def main(argv: list[str] | None = None) -> bool:
    from training.finetune_toxicity_encoder import OUT_DIR
    from training.toxicity_data import expand_own, load_public, own_answers, own_benign
    from training.train_toxicity import split_of

    args = rule_args(__doc__.splitlines()[0], OUT_DIR, argv)
    own = DATA
    examples = load_public(args.data_dir) + expand_own(own) + own_benign(own) + own_answers(own)
    test = [(e.text, e.label) for e in examples if split_of(e) == "test"]
    v6 = measure(ToxicityDetector(ToxicityParams(encoder=False)), test)
    v6 |= starter_counts("toxicity", {"encoder": False})
    cand_params: dict[str, object] = {"encoder": True, "encoder_dir": str(args.encoder_dir)}
    v9 = measure(ToxicityDetector(ToxicityParams(**cand_params)), test)  # type: ignore[arg-type]
    v9 |= starter_counts("toxicity", cand_params)
    return report("v6", v6, v9, verdict(v6, v9))


if __name__ == "__main__":
    main()
