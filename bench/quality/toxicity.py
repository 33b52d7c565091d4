"""Quality of the ``toxicity`` detector on EVAL-ONLY sets: HateCheck and OpenAI moderation.

Run: ``.venv/bin/python -m bench.quality.toxicity``. Neither set is ever used for training,
thresholds or writing examples; they only produce the figures printed here.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from bench.quality.common import Floor, Row, binary_metrics, data_dir, score_with_detector
from safeship.detectors.toxicity import ToxicityDetector

OPENAI_KEYS = {"H": "hate", "HR": "harassment", "V": "violence"}
LAST_LATENCY_MS: dict[str, float] = {}


def _scores(texts: list[str]) -> list[float]:
    """Score through the real detector, as the guard does."""
    scores, LAST_LATENCY_MS["ms_per_text"] = score_with_detector(ToxicityDetector(), texts)
    return scores


def _macro_f1(y: list[int], s: list[float]) -> float:
    pos = binary_metrics(y, s)["f1"]
    neg = binary_metrics([1 - v for v in y], [1 - v for v in s], thr=0.5 + 1e-12)["f1"]
    return (pos + neg) / 2


def hatecheck(data: Path) -> tuple[Row, dict[str, tuple[int, float]]]:
    """HateCheck test suite: AUROC, macro-F1 and accuracy per functionality."""
    rows = list(csv.DictReader(open(data / "hatecheck/test_suite_cases.csv", encoding="utf-8")))
    y = [int(r["label_gold"] == "hateful") for r in rows]
    s = _scores([r["test_case"] for r in rows])
    metrics = binary_metrics(y, s)
    metrics["macro_f1"] = _macro_f1(y, s)
    metrics["ms_per_text"] = LAST_LATENCY_MS["ms_per_text"]
    per: dict[str, list[bool]] = defaultdict(list)
    for r, yi, si in zip(rows, y, s, strict=True):
        per[r["functionality"]].append((si >= 0.5) == bool(yi))
    by_func = {f: (len(v), sum(v) / len(v)) for f, v in sorted(per.items())}
    floors = [Floor("auroc", ">=", 0.80), Floor("macro_f1", ">=", 0.70)]
    return Row("toxicity", "hatecheck", len(rows), metrics, floors), by_func


def openai_moderation(data: Path) -> list[Row]:
    """OpenAI moderation eval: AUROC of the toxicity score for hate, harassment, violence."""
    path = data / "openai_moderation_eval/samples-1680.jsonl"
    records = [json.loads(line) for line in open(path, encoding="utf-8")]
    scores = _scores([r["prompt"] for r in records])
    out = []
    for key, label in OPENAI_KEYS.items():
        pairs = [(int(r[key]), s) for r, s in zip(records, scores, strict=True) if key in r]
        metrics = binary_metrics([p[0] for p in pairs], [p[1] for p in pairs])
        out.append(
            Row(
                "toxicity",
                f"openai_moderation/{label}",
                len(pairs),
                metrics,
                [Floor("auroc", ">=", 0.85)],
            )
        )
    return out


def evaluate(data: Path) -> list[Row]:
    """All toxicity rows for the aggregated quality benchmark."""
    hc, _ = hatecheck(data)
    return [hc, *openai_moderation(data)]


def _main() -> None:
    data = data_dir()
    hc, by_func = hatecheck(data)
    rows = [hc, *openai_moderation(data)]
    print(f"{'dataset':32} {'n':>5} {'auroc':>6} {'f1':>6} {'macroF1':>7} {'fpr':>6}  pass")
    for r in rows:
        m = r.metrics
        print(
            f"{r.dataset:32} {r.n:5d} {m.get('auroc', float('nan')):6.3f} {m['f1']:6.3f} "
            f"{m.get('macro_f1', float('nan')):7.3f} {m['fpr']:6.3f}  {r.passed()}"
        )
    print(f"\nlatency: {hc.metrics['ms_per_text']:.2f} ms/text (HateCheck, short texts)")
    print("\nHateCheck accuracy per functionality:")
    for func, (n, acc) in by_func.items():
        print(f"  {func:34} {n:4d} {acc:6.3f}")


if __name__ == "__main__":
    _main()
