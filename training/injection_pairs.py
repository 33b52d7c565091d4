"""Pairs of (system prompt, user turn, label) from ``data/injection_context_parts.jsonl``.

The parts are written by hand for this project: system prompts that guard a secret or impose a
constraint, attack templates by technique (ignore-previous, system mode, virtualization,
hypothetical, persuasion, indirect reference, output formatting, token smuggling, few-shot,
many-shot, repeated tokens, payload splitting, overload, another language, mixed, instructions
hidden in pasted documents), and benign in-scope, off-scope and generic user turns. Combining
them gives thousands of pairs; the split keeps whole system prompts *and* whole attack templates
apart, so a held-out pair shares neither with training.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
PARTS = DATA / "injection_context_parts.jsonl"
# v6 of the pair model added the attack templates and system prompts with their benign turns,
# v7 eight everyday benign turns for every system prompt. They feed the pair model only: the
# text model keeps reading ``PARTS`` alone, so adding them leaves it, and every figure without a
# system prompt, byte-identical.
PAIR_MODEL_PARTS = (
    PARTS,
    DATA / "injection_context_parts_v6_attacks.jsonl",
    DATA / "injection_context_parts_v6_systems.jsonl",
    DATA / "injection_context_parts_v7_benign.jsonl",
)
SECRETS = (
    "MAPLE-7731",
    "bluebird42",
    "Xq9-Lantern",
    "ORCHID",
    "tangerine-sky",
    "7741-2290",
    "Copperfield",
    "ZETA_88",
    "42 Elm Street, Springfield",
    "the 14th of March",
    "ravenclaw9",
)
VAL_FRACTION = 0.25


@dataclass(frozen=True)
class Pair:
    """One system prompt and user turn; ``standalone`` marks attacks that need no context."""

    system: str
    text: str
    label: int
    technique: str
    split: str
    standalone: bool = False


def _split(name: str) -> str:
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "val" if h < VAL_FRACTION else "train"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def read_parts(parts: tuple[Path, ...]) -> list[dict[str, Any]]:
    """Every row of the parts files, in file order."""
    return [
        json.loads(line)
        for path in parts
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _merge_benign_more(systems: list[dict[str, Any]], extra: list[dict[str, Any]]) -> None:
    """Add each ``benign_more`` row's turns to the in-scope turns of the system it names.

    Everyday turns to the system's own product are the commonest traffic a guard sees; with about
    six per system prompt against ~40 attacks, the pair model learnt "this kind of product ->
    attack" and flagged a fifth of a dev set's ordinary turns.
    """
    by_text = {r["text"]: r for r in systems}
    for row in extra:
        target = by_text.get(row["system"])
        if target is None:
            name = row["system"][:60]
            raise ValueError(f"benign_more row names no known system prompt: {name!r}")
        target["inscope"] = [*target["inscope"], *row["texts"]]


def build_pairs(
    seed: int = 99, per_system: int = 60, parts: tuple[Path, ...] = (PARTS,)
) -> list[Pair]:
    """Every system prompt with a sample of attacks on its own constraint and benign turns.

    Rows of later ``parts`` files come after earlier ones, so a system prompt or attack template
    keeps its index, and with it its train/validation side, when a file is added.
    """
    rows = read_parts(parts)
    systems = [r for r in rows if r["kind"] == "system"]
    _merge_benign_more(systems, [r for r in rows if r["kind"] == "benign_more"])
    attacks = [r for r in rows if r["kind"] == "attack"]
    foreign = next(r["text"] for r in rows if r["kind"] == "foreign_violation")
    generic = [r["text"] for r in rows if r["kind"] == "benign_generic"]
    rng = random.Random(seed)
    out: list[Pair] = []
    for si, sysrow in enumerate(systems):
        s_split = _split(f"sys{si}")
        for k in range(2 if sysrow["family"] == "secret" else 1):
            system = sysrow["text"].replace("{secret}", rng.choice(SECRETS))
            for att in rng.sample(attacks, min(per_system, len(attacks))):
                a_split = _split(f"att{attacks.index(att)}")
                if a_split != s_split:
                    continue  # a held-out pair shares neither system nor attack with training
                v = rng.choice(sysrow["violations"])
                text = att["text"].format(v=v, V=_cap(v), vx=rng.choice(foreign))
                out.append(Pair(system, text, 1, att["technique"], s_split, att["standalone"]))
            if k:
                continue
            benign = sysrow["inscope"] + sysrow["offscope"] + rng.sample(generic, 5)
            for b in benign:
                tech = "benign_offscope" if b in sysrow["offscope"] else "benign"
                out.append(Pair(system, b, 0, tech, s_split))
            # bare violations: asking outright for what the system guards is the attack itself;
            # a plain off-topic request ("explain the stock market" to a cooking bot) is not an
            # injection, and the topic family lists such requests as benign off-scope turns
            if sysrow["family"] not in ("secret", "instructions"):
                continue
            for v in sysrow["violations"][:3]:
                out.append(Pair(system, _cap(v) + ".", 1, "direct_request", s_split))
    return out
