"""Quality of the ``toxicity`` detector on EVAL-ONLY sets: HateCheck and OpenAI moderation.

Run: ``.venv/bin/python -m bench.quality.toxicity``. Neither set is ever used for training,
thresholds or writing examples; they only produce the figures printed here.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from bench.quality.common import Floor, Row, binary_metrics, data_dir, results_with_detector
from safeship.detectors.toxicity import ToxicityDetector
from safeship.types import DetectorResult

OPENAI_KEYS = {"H": "hate", "HR": "harassment", "V": "violence"}
CATEGORY_SCORE = {
    "hate": ("hate",),
    "harassment": ("harassment", "insult", "threat", "sexual_harassment"),
    "violence": ("violence", "threat"),
}
"""Which of the detector's category scores a policy would key on for each moderation label.

The floors are checked on the overall score; the category score is printed next to it because a
policy with per-category thresholds acts on that one (fixed before any bench run, never tuned)."""
LAST_LATENCY_MS: dict[str, float] = {}
LAST_STAGE2: dict[str, float] = {}


def _results(texts: list[str], name: str) -> list[DetectorResult]:
    """Score through the real detector, as the guard does; record latency and stage-2 share."""
    results, LAST_LATENCY_MS["ms_per_text"] = results_with_detector(ToxicityDetector(), texts)
    LAST_STAGE2[name] = sum(r.details.get("stage2_windows", 0) > 0 for r in results) / max(
        1, len(results)
    )
    return results


def _scores(texts: list[str], name: str = "") -> list[float]:
    return [r.score for r in _results(texts, name)]


def _category_score(result: DetectorResult, label: str) -> float:
    return max((result.categories.get(c, 0.0) for c in CATEGORY_SCORE[label]), default=0.0)


def _macro_f1(y: list[int], s: list[float]) -> float:
    pos = binary_metrics(y, s)["f1"]
    neg = binary_metrics([1 - v for v in y], [1 - v for v in s], thr=0.5 + 1e-12)["f1"]
    return (pos + neg) / 2


def hatecheck(data: Path) -> tuple[Row, dict[str, tuple[int, float]]]:
    """HateCheck test suite: AUROC, macro-F1 and accuracy per functionality."""
    rows = list(csv.DictReader(open(data / "hatecheck/test_suite_cases.csv", encoding="utf-8")))
    y = [int(r["label_gold"] == "hateful") for r in rows]
    s = _scores([r["test_case"] for r in rows], "hatecheck")
    metrics = binary_metrics(y, s)
    metrics["stage2_share"] = LAST_STAGE2["hatecheck"]
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
    results = _results([r["prompt"] for r in records], "openai_moderation")
    out = []
    for key, label in OPENAI_KEYS.items():
        pairs = [(int(r[key]), res) for r, res in zip(records, results, strict=True) if key in r]
        y = [p[0] for p in pairs]
        metrics = binary_metrics(y, [p[1].score for p in pairs])
        by_cat = binary_metrics(y, [_category_score(p[1], label) for p in pairs])
        metrics["auroc_category_score"] = by_cat.get("auroc", float("nan"))
        metrics["stage2_share"] = LAST_STAGE2["openai_moderation"]
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
    head = f"{'dataset':32} {'n':>5} {'auroc':>6} {'f1':>6} {'macroF1':>7} {'fpr':>6}"
    print(f"{head} {'auroc_cat':>9} {'stage2':>6}  pass")
    for r in rows:
        m = r.metrics
        print(
            f"{r.dataset:32} {r.n:5d} {m.get('auroc', float('nan')):6.3f} {m['f1']:6.3f} "
            f"{m.get('macro_f1', float('nan')):7.3f} {m['fpr']:6.3f} "
            f"{m.get('auroc_category_score', float('nan')):9.3f} {m['stage2_share']:6.3f}"
            f"  {r.passed()}"
        )
    print(f"\nlatency: {hc.metrics['ms_per_text']:.2f} ms/text (HateCheck, short texts)")
    print("\nHateCheck accuracy per functionality:")
    for func, (n, acc) in by_func.items():
        print(f"  {func:34} {n:4d} {acc:6.3f}")


if __name__ == "__main__":
    _main()
