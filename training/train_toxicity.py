"""Train the ``toxicity`` detector: a cascade model, a category head and a hashed lexicon.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_toxicity [--data-dir DIR]``.

Only TRAIN-ALLOWED sets are read (davidson_hate_offensive, surge_toxicity,
toxic_spans_semeval2021, convabuse, toxigen, the two lexicons) plus our own hand-written
templates in ``training/data/toxicity_*.jsonl``. HateCheck and openai_moderation_eval are EVAL
ONLY and are never opened here. Splits are by source and by group (a template and all its
expansions stay in one split), so held-out figures are not inflated by near-duplicates.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from safeship.detectors.toxicity import DEFAULT_LEXICON, DEFAULT_MODEL, term_hash
from safeship.detectors.toxicity_model import ToxicityModel
from training.embed_cache import FingerprintedMemo
from training.toxicity_data import (
    Example,
    expand_own,
    load_lexicon,
    load_public,
    own_answers,
    own_benign,
)
from training.toxicity_fit import fit_toxicity

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "src" / "safeship" / "models" / "cards" / "toxicity.md"


def split_of(ex: Example) -> str:
    """Deterministic split from the group key: 70% train, 15% val (calibration), 15% test."""
    h = int(hashlib.sha1(f"{ex.source}|{ex.group}".encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else ("val" if h < 85 else "test")


def _embedder(cache_path: Path | None) -> FingerprintedMemo | None:
    """The shipped MiniLM behind an optional on-disk memo, or None (train stage 1 only)."""
    try:
        return FingerprintedMemo(cache_path)
    except Exception as exc:  # noqa: BLE001 - any failure means "stage 1 only"
        print(f"no embedder ({exc}); training stage 1 only", file=sys.stderr)
        return None


def _auroc(y: Sequence[int], s: Sequence[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if 0 < sum(y) < len(y) else float("nan")


def held_out(model: ToxicityModel, test: list[Example], embed) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """Per-source accuracy / AUROC of the full cascade on the test split."""
    from safeship.features.cache import FeatureCache
    from safeship.features.hashing import NgramHasher

    class _E:
        def embed(self, texts: list[str]) -> np.ndarray:
            return embed(texts)  # type: ignore[no-any-return]

    cache = FeatureCache(NgramHasher(), _E() if embed is not None else None)
    out: dict[str, dict[str, float]] = {}
    groups = sorted({e.source for e in test} | {"all", "v4_rows"})
    groups += sorted({f"own/{e.function}" for e in test if e.source == "own"})
    for source in groups:
        rows = [e for e in test if source in ("all", e.source, f"own/{e.function}")]
        if source == "v4_rows":  # the rows v4 was tested on, to compare releases like for like
            rows = [e for e in test if e.source != "own_answers"]
        scores, _ = model.score_texts([e.text for e in rows], cache)
        y = [e.label for e in rows]
        acc = float(np.mean((scores >= 0.5) == np.asarray(y)))
        out[source] = {"n": len(rows), "accuracy": acc, "auroc": _auroc(y, scores.tolist())}
    return out


def write_card(
    fit: dict[str, float | int], figures: dict[str, dict[str, float]], sizes: str
) -> None:
    """Fill the held-out table of the data card (between markers), keeping hand-written text."""
    table = ["| source | n | accuracy | AUROC |", "|---|---|---|---|"]
    for src, m in figures.items():
        table.append(f"| {src} | {int(m['n'])} | {m['accuracy']:.3f} | {m['auroc']:.3f} |")
    block = "\n".join(
        [
            "<!-- heldout:start -->",
            f"Training sizes: {sizes}.",
            f"Fit report: {fit}.",
            "",
            *table,
            "<!-- heldout:end -->",
        ]
    )
    text = (
        CARD.read_text()
        if CARD.exists()
        else "# toxicity\n\n<!-- heldout:start -->\n<!-- heldout:end -->\n"  # noqa: E501
    )
    head, _, rest = text.partition("<!-- heldout:start -->")
    _, _, tail = rest.partition("<!-- heldout:end -->")
    CARD.parent.mkdir(parents=True, exist_ok=True)
    CARD.write_text(head + block + tail)


def main(argv: list[str] | None = None) -> int:
    default_data = Path(os.environ.get("SAFESHIP_DATA", ROOT.parent / "shared" / "datasets"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=default_data)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--lexicon-out", type=Path, default=DEFAULT_LEXICON)
    ap.add_argument("--emb-cache", type=Path, default=None, help="optional .npz embedding memo")
    ap.add_argument("--no-embed", action="store_true", help="train stage 1 only")
    ap.add_argument("--no-card", action="store_true", help="do not rewrite the model card")
    args = ap.parse_args(argv)

    own_dir = ROOT / "training" / "data"
    examples = (
        load_public(args.data_dir)
        + expand_own(own_dir)
        + own_benign(own_dir)
        + own_answers(own_dir)
    )
    parts: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    for ex in examples:
        parts[split_of(ex)].append(ex)
    tr, va, te = parts["train"], parts["val"], parts["test"]
    sizes = ", ".join(f"{k}={len(v)}" for k, v in parts.items())
    print(sizes, file=sys.stderr)
    embed = None if args.no_embed else _embedder(args.emb_cache)
    model, report = fit_toxicity(tr, va, embed)
    model.cascade.meta["sources"] = sorted({e.source for e in examples})
    model.cascade.meta["fit_report"] = report
    print(json.dumps(report), file=sys.stderr)
    model.save(args.out)
    terms, severity, slur = load_lexicon(args.data_dir)
    np.savez_compressed(
        args.lexicon_out,
        hashes=np.array([term_hash(t) for t in terms], dtype=np.uint32),
        severity=np.array(severity, dtype=np.float32),
        slur=np.array(slur, dtype=bool),
        prefixes=np.array(sorted({term_hash(t.split()[0]) for t in terms if " " in t}), np.uint32),
    )
    figures = held_out(model, te, embed)
    print(json.dumps(figures, indent=1))
    if not args.no_card:
        write_card(report, figures, sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
