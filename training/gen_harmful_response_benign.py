"""Build step: SmolLM2's answers to our benign-but-sensitive prompts, as harmful_response negatives.

Why (harmful_response v8): v7 (ordinary written answers as negatives) halved the share of
ordinary answers that pay for the embedding stage, but was rejected because one of SmolLM2's
rambling answers to a safe starter-suite prompt rose over 0.4. Our written answers never show a
small model's style; these do. The prompts are the benign rows of harmful_request's
``benign_sensitive_v7.jsonl`` (our own, written for this project), minus any prompt that is in the
starter suite, in refusal v13's fresh benign requests (``benign_prompts_v13h.jsonl``, a judge of
the v8 rule) or already answered in ``refusal_smollm2_v10.jsonl``. The model runs with the demo's
settings (llama.cpp, greedy, 64 tokens, no system prompt). The answers to benign requests are
labelled 0 (no harmful content) without reading them one by one: a benign request's answer can be
wrong or odd, never harmful help that was asked for.

Run: ``PYTHONPATH=. .venv/bin/python -m training.gen_harmful_response_benign [--n 300]``
(writes ``training/data/harmful_response_smollm2_benign_v8.jsonl``).
"""

from __future__ import annotations

import argparse
import asyncio
import random

from training.gen_smollm2_answers import MAX_PROMPT_CHARS, _answer_all, prompt_key, starter_prompts
from training.rule_report import jsonl_rows, write_jsonl
from training.train_refusal import DATA

SOURCE = "benign_sensitive_v7.jsonl"
EXCLUDE = ("benign_prompts_v13h.jsonl", "refusal_smollm2_v10.jsonl")
OUT = DATA / "harmful_response_smollm2_benign_v8.jsonl"
SEED = 8


def pick(n: int) -> list[dict[str, object]]:
    """``n`` benign prompts of ``SOURCE`` (seeded), none asked anywhere else."""
    banned = starter_prompts()
    for name in EXCLUDE:
        rows = jsonl_rows(DATA / name)
        banned |= {prompt_key(str(r.get("prompt") or r.get("text"))) for r in rows}
    pool = []
    for i, row in enumerate(jsonl_rows(DATA / SOURCE)):
        text = str(row["text"]).strip()
        if int(row["label"]) or not text or len(text) > MAX_PROMPT_CHARS:
            continue
        if prompt_key(text) in banned:
            continue
        banned.add(prompt_key(text))
        pool.append({"group": str(row.get("group") or f"v7-{i}"), "prompt": text})
    random.Random(SEED).shuffle(pool)
    return pool[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args(argv)
    answered = asyncio.run(_answer_all(pick(args.n)))
    rows = [
        {"group": r["group"], "prompt": r["prompt"], "response": r["response"], "label": 0}
        for r in answered
    ]
    write_jsonl(OUT, rows)
    print(f"{len(rows)} answers -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
