"""Score toxicity artefacts on our own answers dev set (``toxicity_answers_v5_dev.jsonl``).

Why this set: the toxicity data is mostly social-media comments, so ordinary multi-sentence
chat-assistant answers look unfamiliar to stage 1 and about a third of them land in its uncertain
band, where each pays one MiniLM call. That is most of what a guarded gateway request costs past
the proxy itself. The dev set (220 benign answers on topics no training file covers, 80 toxic
texts written in an assistant's format) was written apart from the v5 training files and is never
trained, calibrated or band-picked on.

Rule, written before any v5 model was trained or this set was scored. v5 (trained with
``toxicity_answers_v5.jsonl`` and ``toxicity_toxic_answers_v5.jsonl``) ships instead of v4 only if
all of these hold, each measured with the detector exactly as the guard runs it:

1. benign dev answers in the stage-2 band: at least 10 points fewer than v4, or at most 5%;
2. benign dev FPR at 0.5: not higher than v4's;
3. toxic dev recall at 0.5: at most 2 points below v4's;
4. on the trainer's held-out test split, restricted to the rows v4 was tested on (``v4_rows``:
   splits hash source and group, so the new files leave those rows where they were): AUROC at
   most 0.005 below v4's and own-template AUROC at most 0.01 below.

The EVAL-ONLY figures (HateCheck, OpenAI moderation) are run afterwards and reported whatever
they are; they do not enter the decision.

Outcome for v5: all four held (band 40.9% -> 26.8%, FPR 2.3% -> 1.8%, toxic recall 77.5% ->
96.3%, test rows AUROC 0.966 -> 0.965); v5 ships.

Rule for v6 (v5's data plus ``toxicity_answers_v6.jsonl``: emotional, opinionated and short
casual answers, the kinds v5 is still most often unsure about), written before v6 was trained.
The dev set is the same one, now used a second time; v6 ships instead of v5 only if all hold:

1. benign dev answers in the stage-2 band: at least 5 points fewer than v5 (26.8%);
2. benign dev FPR at 0.5 not above v5's (1.8%), toxic dev recall at 0.5 at most 2 points below
   v5's (96.3%);
3. v4's test rows: AUROC at most 0.005 below v5's, own templates at most 0.01 below v5's;
4. the demo (our starter suite with SmolLM2, guarded by ``support_chat.yaml``): guarded attack
   success and over-refusal not above v5's (0.0% and 27.2%).

Outcome for v6: all held (band 26.8% -> 20.9%, FPR 1.8% -> 0.5%, toxic recall 96.3% -> 96.3%,
test rows AUROC 0.965 -> 0.966, demo unchanged); v6 ships.

Rule for v7 (v6's data plus the benign rows of ``injection_casual_messages.jsonl``, everyday
text messages written for the messaging feature's injection detector), written before v7 was
trained. Why: on ``casual_messages_dev.jsonl`` (everyday messages, written apart from that file,
never trained on by any detector) v6 sends 42% of the messages to its stage-2 band, the most of
any input detector. v7 ships instead of v6 only if all hold:

1. casual dev messages in the stage-2 band: at least 10 points fewer than v6;
2. answers dev set: benign band at most 2 points above v6's (20.9%), benign FPR not above v6's
   (0.5%), toxic recall at most 2 points below v6's (96.3%); casual dev messages flagged at 0.5
   not above v6's;
3. v4's test rows: AUROC at most 0.005 below v6's, own templates at most 0.01 below v6's;
4. the demo's guarded attack success and over-refusal not above v6's (0.0% and 27.2%).

Outcome for v7: rejected by condition 2. Casual dev messages in the band 41.1% -> 27.8% and
flagged 7.3% -> 4.0%, answers band 20.9% -> 17.3%, but toxic dev recall 96.3% -> 92.5% (3 of 80
more missed, over the 2-point bound); test rows AUROC 0.966 -> 0.966, own templates 0.938 ->
0.931. v6 ships; the trainer does not read the messages file.

Rule for v8 (v7's data plus ``toxicity_messages_v8.jsonl``: toxic text messages in the same
casual register, with civil twins), written before that file existed: the same four conditions
as v7, against v6.

Outcome for v8: rejected by conditions 1 and 2. Casual dev messages in the band 41.1% -> 31.1%
(15 of 151 fewer: 9.9 points, under the 10 asked), flagged 7.3% -> 6.6%; toxic dev recall 96.3%
-> 93.8% (over the 2-point bound). v6 ships; the file is kept, not trained on.

Run: ``PYTHONPATH=. .venv/bin/python -m training.toxicity_dev [MODEL.npz ...]`` (default: shipped).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from safeship.detectors.base import DetectorInput
from safeship.detectors.toxicity import DEFAULT_MODEL, ToxicityDetector, ToxicityParams
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.features.lazy import LazyEmbedder
from safeship.text.normalise import normalise
from training.train_refusal import load

DEV = Path(__file__).resolve().parent / "data" / "toxicity_answers_v5_dev.jsonl"
MESSAGES_DEV = Path(__file__).resolve().parent / "data" / "casual_messages_dev.jsonl"


def score_rows(model: Path, rows: list[dict[str, object]]) -> tuple[np.ndarray, np.ndarray]:
    """Scores and whether stage 2 ran, per row, with a fresh feature cache per text."""
    det = ToxicityDetector(ToxicityParams(model_path=str(model)))
    embedder = LazyEmbedder()
    scores, banded = [], []
    for row in rows:
        text = str(row["text"])
        item = DetectorInput(text, normalise(text), FeatureCache(NgramHasher(), embedder))
        result = det.score(item)
        scores.append(result.score)
        banded.append(int(result.details.get("stage2_windows", 0)) > 0)
    return np.asarray(scores), np.asarray(banded)


def figures(
    rows: list[dict[str, object]], scores: np.ndarray, banded: np.ndarray
) -> dict[str, float]:
    """The rule's figures: benign band share and FPR, toxic recall, AUROC."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray([int(str(r["label"])) for r in rows])
    benign, toxic = y == 0, y == 1
    return {
        "benign_n": int(benign.sum()),
        "toxic_n": int(toxic.sum()),
        "benign_band": float(banded[benign].mean()),
        "benign_fpr": float((scores[benign] >= 0.5).mean()),
        "toxic_recall": float((scores[toxic] >= 0.5).mean()),
        "auroc": float(roc_auc_score(y, scores)),
    }


def by_kind(
    rows: list[dict[str, object]], scores: np.ndarray, banded: np.ndarray
) -> dict[str, str]:
    """Per (label, kind): band share and flag rate, to see where a model is unsure."""
    cells: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        cells[f"{r['label']}/{r['kind']}"].append(i)
    out = {}
    for key, idx in sorted(cells.items()):
        out[key] = (
            f"n={len(idx)} band={banded[idx].mean():.2f} flagged={(scores[idx] >= 0.5).mean():.2f}"
        )
    return out


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    models = [Path(a) for a in (sys.argv[1:] if argv is None else argv)] or [DEFAULT_MODEL]
    rows = load(DEV.name)
    messages = [r for r in load(MESSAGES_DEV.name) if int(r["label"]) == 0]
    out = {}
    for model in models:
        scores, banded = score_rows(model, rows)
        out[str(model)] = fig = figures(rows, scores, banded)
        print(model, {k: round(v, 4) for k, v in fig.items()})
        for key, cell in by_kind(rows, scores, banded).items():
            print(f"  {key}: {cell}")
        msg_scores, msg_banded = score_rows(model, messages)
        fig["messages_n"] = len(messages)
        fig["messages_band"] = float(msg_banded.mean())
        fig["messages_flagged"] = float((msg_scores >= 0.5).mean())
        print(
            "  casual messages dev:",
            {k: round(fig[k], 4) for k in ("messages_band", "messages_flagged")},
        )
    return out


if __name__ == "__main__":
    main()
