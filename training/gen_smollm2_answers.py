"""Build step: SmolLM2's answers to our own prompts, for hand labelling (refusal v10).

Why: refusal v9's encoder read SmolLM2's rambling compliance as refusal more often than v5 did
(its rule's starter clause); our written answers never show that style. This asks the demo's model
with the demo's settings (llama.cpp, greedy, 64 tokens, no system prompt) to answer prompts from
our harmful-request training files, half harmful and half benign-but-sensitive, and writes them
unlabelled, one JSON object per line (``group``, ``prompt``, ``prompt_label``, ``response``). No
starter-suite prompt is asked: those answers judge the detector. Labels are added by hand.

Run: ``PYTHONPATH=. .venv/bin/python -m training.gen_smollm2_answers OUT.jsonl [--n 600]``
(``--prompts FILE`` answers the prompts of a JSON Lines file instead: refusal v13's fresh benign
requests, ``benign_prompts_v13h.jsonl``, for its rule's clause 9);
then, with the hand labels (one file or several, rows in the answers' order, each
``{"group", "label"}``), ``... --assemble ANSWERS.jsonl LABELS.jsonl...`` writes
``training/data/refusal_smollm2_v10.jsonl``: "unclear" and "drop" rows are left out, and each
prompt group goes to ``train`` or ``judge`` by a hash of its name (70/30), a split fixed before any
label was read.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
from pathlib import Path

import yaml
from rich.progress import track

from training.train_refusal import DATA

SOURCES = (
    "harmful_request_v8.jsonl",
    "harmful_request_v10.jsonl",
    "harmful_request_handwritten_v6.jsonl",
    "benign_sensitive_v13.jsonl",
)
STARTER = Path(__file__).resolve().parents[1] / "src/safeship/evals/suites/starter.yaml"
MAX_TOKENS = 64  # the demo's answer cap
MAX_PROMPT_CHARS = 600  # long story-prompts would fill the 64 tokens with the model's echo
SEED = 11
OUT = DATA / "refusal_smollm2_v10.jsonl"
STANCES = ("full_refusal", "partial_refusal", "full_compliance")
LEFT_OUT = ("unclear", "drop")  # no stance to learn; actionable harm is never stored
TRAIN_SHARE = 70  # percent of prompt groups


def prompt_key(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def starter_prompts() -> set[str]:
    """Normalised starter-suite prompts (never asked here)."""
    suite = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    return {prompt_key(str(case["prompt"])) for case in suite["cases"]}


def pick_prompts(n: int) -> list[dict[str, object]]:
    """``n`` prompts, half harmful and half benign, one per prompt group where possible."""
    banned = starter_prompts()
    pools: dict[int, list[dict[str, object]]] = {0: [], 1: []}
    seen: set[str] = set()
    for name in SOURCES:
        with (DATA / name).open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                row = json.loads(line)
                text = str(row["text"]).strip()
                key = prompt_key(text)
                if not text or len(text) > MAX_PROMPT_CHARS or key in banned or key in seen:
                    continue
                seen.add(key)
                group = f"{name.removesuffix('.jsonl')}:{row.get('group') or i}"
                pools[int(row["label"])].append(
                    {"group": group, "prompt": text, "prompt_label": int(row["label"])}
                )
    rng = random.Random(SEED)
    picked: list[dict[str, object]] = []
    for label in (1, 0):
        rng.shuffle(pools[label])
        picked += pools[label][: n // 2]
    rng.shuffle(picked)
    return picked


async def _answer_all(prompts: list[dict[str, object]]) -> list[dict[str, object]]:
    from safeship.cli.demo_eval import demo_target
    from safeship.types import Message

    target = demo_target("local:smollm2", MAX_TOKENS)
    out = []
    for row in track(prompts, description="SmolLM2 answering"):
        reply = await target.generate([Message(role="user", content=str(row["prompt"]))])
        if reply.text is None:
            raise SystemExit(f"SmolLM2 failed on {row['group']}: {reply.error}")
        out.append({**row, "response": reply.text})
    return out


def split_of(group: str) -> str:
    """``train`` or ``judge``, from the prompt group's name alone (pairs stay together)."""
    bucket = int(hashlib.sha256(group.encode()).hexdigest(), 16) % 100
    return "train" if bucket < TRAIN_SHARE else "judge"


def assemble(
    answers: list[dict[str, object]], labels: list[dict[str, str]]
) -> list[dict[str, object]]:
    """Labelled rows in the refusal data format; raises if the labels do not match the answers."""
    if len(answers) != len(labels):
        raise ValueError(f"{len(labels)} labels for {len(answers)} answers")
    out = []
    for answer, label in zip(answers, labels, strict=True):
        if label["group"] != answer["group"]:
            raise ValueError(f"label for {label['group']!r} where {answer['group']!r} was expected")
        if label["label"] in LEFT_OUT:
            continue
        if label["label"] not in STANCES:
            raise ValueError(f"{answer['group']}: unknown label {label['label']!r}")
        out.append(
            {
                "split": split_of(str(answer["group"])),
                "label": label["label"],
                "prompt": answer["prompt"],
                "response": answer["response"],
                "prompt_label": answer["prompt_label"],
                "group": answer["group"],
                "source": "smollm2_v10",
            }
        )
    return out


def _read(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("answers", type=Path, help="written; with --assemble, read")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--assemble", nargs="+", type=Path, metavar="LABELS", default=None)
    ap.add_argument(
        "--prompts",
        type=Path,
        default=None,
        help="answer these prompts (JSON Lines with 'prompt') instead of picking from our files",
    )
    args = ap.parse_args(argv)
    if args.assemble:
        labels = [r for path in args.assemble for r in _read(path)]
        rows = assemble(_read(args.answers), labels)  # type: ignore[arg-type]
        with OUT.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        print(f"{len(rows)} labelled answers -> {OUT}")
        return 0
    if args.prompts:
        asked = [{"group": f"p{i}", **r} for i, r in enumerate(_read(args.prompts))]
    else:
        asked = pick_prompts(args.n)
    rows = asyncio.run(_answer_all(asked))
    args.answers.parent.mkdir(parents=True, exist_ok=True)
    with args.answers.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{len(rows)} answers -> {args.answers}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
