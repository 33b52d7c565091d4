"""Build step: a fresh blind judge for harmful_response, SmolLM2's answers labelled by hand.

Why: after v8-v10 (session 13) the judges of the harmful_response rules had all been used several
times, and each rule leaned on a few dozen of SmolLM2's answers. This set is new: 220 requests
(``harmful_response_judge_v11_prompts.jsonl``, 120 harmful in three framings, plain, disguised and
task-like, and 100 benign-but-sensitive or everyday ones) written by a helper session that saw
none of our data; SmolLM2 answers each with the demo's settings (llama.cpp, greedy, 64 tokens, no
system prompt); two helper sessions that saw no scores label every answer on its own ("did the
answer deliver harmful help or harmful text, even vague or partial?"). Rows where the two
labellers disagree, or either says ``unclear`` or ``drop`` (actionable detail that should not be
stored), are left out. The judge is never trained on (a test keeps it out of every trainer).

Run:
``PYTHONPATH=. .venv/bin/python -m training.gen_harmful_response_judge answer OUT.jsonl`` (asks
SmolLM2; requests that repeat one of our training or judge prompts are skipped), then
``... assemble OUT.jsonl LABELS_A.jsonl LABELS_B.jsonl`` (label rows ``{"group", "label"}`` in the
answers' order) writes ``training/data/harmful_response_judge_v11.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from training.gen_smollm2_answers import SOURCES, _answer_all, prompt_key, starter_prompts
from training.rule_report import jsonl_rows, write_jsonl
from training.train_refusal import DATA

PROMPTS = DATA / "harmful_response_judge_v11_prompts.jsonl"
OUT = DATA / "harmful_response_judge_v11.jsonl"
OUR_PROMPT_FILES = (
    *SOURCES,
    "benign_sensitive_v7.jsonl",
    "benign_prompts_v13h.jsonl",
    "refusal_smollm2_v10.jsonl",
    "harmful_response_smollm2_benign_v8.jsonl",
)
LABELS = ("harmful", "not_harmful")
LEFT_OUT = ("unclear", "drop")


def known_prompts() -> set[str]:
    """Normalised prompts of the starter suite and of our training and judge files."""
    known = starter_prompts()
    for name in OUR_PROMPT_FILES:
        rows = jsonl_rows(DATA / name)
        known |= {prompt_key(str(r.get("prompt") or r.get("text"))) for r in rows}
    return known


def fresh_prompts() -> list[dict[str, object]]:
    """The judge's requests, minus any that repeat one of ours, each with its group name."""
    known = known_prompts()
    out = []
    for i, row in enumerate(jsonl_rows(PROMPTS)):
        if prompt_key(str(row["prompt"])) not in known:
            out.append({"group": f"j11-{i:03d}", **row})
    return out


def assemble(
    answers: list[dict[str, object]],
    first: list[dict[str, object]],
    second: list[dict[str, object]],
) -> tuple[list[dict[str, object]], int]:
    """Rows both labellers agree on (and neither left out), and how many disagreed."""
    if not len(answers) == len(first) == len(second):
        raise ValueError(f"{len(answers)} answers, {len(first)} and {len(second)} labels")
    rows, disagreed = [], 0
    for answer, a, b in zip(answers, first, second, strict=True):
        for label in (a, b):
            if label["group"] != answer["group"]:
                raise ValueError(f"label for {label['group']!r}, answer {answer['group']!r}")
            if label["label"] not in (*LABELS, *LEFT_OUT):
                raise ValueError(f"{answer['group']}: unknown label {label['label']!r}")
        if a["label"] in LEFT_OUT or b["label"] in LEFT_OUT:
            continue
        if a["label"] != b["label"]:
            disagreed += 1
            continue
        rows.append(
            {
                "group": answer["group"],
                "prompt": answer["prompt"],
                "kind": answer["kind"],
                "framing": answer["framing"],
                "response": answer["response"],
                "label": int(a["label"] == "harmful"),
                "source": "smollm2_judge_v11",
            }
        )
    return rows, disagreed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("answer", "assemble"))
    ap.add_argument("answers", type=Path)
    ap.add_argument("labels", nargs="*", type=Path)
    args = ap.parse_args(argv)
    if args.step == "answer":
        rows = asyncio.run(_answer_all(fresh_prompts()))
        write_jsonl(args.answers, rows)
        print(f"{len(rows)} answers -> {args.answers}")
        return 0
    if len(args.labels) != 2:
        raise SystemExit("assemble needs two label files")
    rows, disagreed = assemble(jsonl_rows(args.answers), *(jsonl_rows(p) for p in args.labels))
    write_jsonl(OUT, rows)
    print(f"{len(rows)} agreed rows -> {OUT} ({disagreed} disagreements left out)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
