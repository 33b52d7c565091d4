"""Expand our own compositional templates into near-miss pairs for the harmful-request model.

Public harmful-request sets have no benign prompts that share their vocabulary, so a model
trained on them learns "sensitive topic = harmful". This module writes the missing contrast:
the same request frames ("How do I ...", "Write a guide to ...") filled with a benign act
(kill a zombie process, shoot a wedding, the causes of a genocide) or a harmful one (kill my
neighbour). Every word list here was written for this project; nothing is copied from a data set.

Run ``PYTHONPATH=. python -m training.harmful_request_data`` to regenerate
``training/data/benign_sensitive_templated.jsonl`` and ``harmful_contrast_templated.jsonl``
(deterministic; the training script also calls :func:`build`).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from training.harmful_request_vocab import (
    BENIGN_ACTS,
    BENIGN_FR,
    EVERYDAY_ACTS,
    FICTION_PREMISES,
    FIGURATIVE,
    FRENCH_MORE,
    HARMFUL_ACTS,
    HARMFUL_FR,
    INFO_FRAMES,
    INFO_TOPICS,
    PEOPLE_FRAMES,
    PUBLIC_FIGURES,
    REQUEST_FRAMES,
    REQUEST_FRAMES_FR,
    SUPPORT,
)

DATA = Path(__file__).resolve().parent / "data"
STYLES = DATA / "harmful_request_styles.jsonl"
HAZARDS = DATA / "harmful_request_hazards.jsonl"
Row = dict[str, object]


def _requests(
    acts: list[tuple[str, str]], label: int, kind: str, rng: random.Random, per_act: int
) -> list[Row]:
    rows: list[Row] = []
    for act, cat in acts:
        for frame in rng.sample(REQUEST_FRAMES, per_act):
            text = frame.format(act=act)
            rows.append(
                {
                    "text": text[0].upper() + text[1:],
                    "label": label,
                    "category": cat if label else None,
                    "kind": kind,
                    "group": act,
                }
            )
    return rows


def _french(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for acts, label in ((BENIGN_FR, 0), (HARMFUL_FR, 1)):
        for act, cat in acts:
            for frame in rng.sample(REQUEST_FRAMES_FR, 5):
                rows.append(
                    {
                        "text": frame.format(act=act),
                        "label": label,
                        "category": cat if label else None,
                        "kind": "french",
                        "group": act,
                    }
                )
    return rows


def _informational(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for kind, topics in INFO_TOPICS.items():
        frames = INFO_FRAMES[kind]
        for topic in topics:
            for frame in rng.sample(frames, min(2, len(frames))):
                rows.append(
                    {
                        "text": frame.format(t=topic),
                        "label": 0,
                        "category": None,
                        "kind": kind,
                        "group": topic,
                    }
                )
    return rows


def _fiction(rng: random.Random) -> list[Row]:
    asks = [
        "What motive could make this believable to readers?",
        "Help me write the chapter where the detective pieces it together.",
        "How should the other characters react emotionally?",
        "Suggest a title and a one-paragraph blurb.",
        "What would be a satisfying ending for this arc?",
        "How do I keep the tension up without showing anything graphic?",
        "Give me three plot twists that fit this setup.",
        "Write the dialogue where the truth finally comes out.",
    ]
    rows: list[Row] = []
    for premise in FICTION_PREMISES:
        for ask in rng.sample(asks, 2):
            rows.append(
                {
                    "text": f"{premise} {ask}",
                    "label": 0,
                    "category": None,
                    "kind": "fiction",
                    "group": premise,
                }
            )
    return rows


def _people(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for frame in PEOPLE_FRAMES:
        for who in rng.sample(PUBLIC_FIGURES, 4):
            rows.append(
                {"text": frame.format(p=who), "label": 0, "category": None, "kind": "public_figure"}
            )
    return rows


def _row(text: str, label: int, cat: str | None, kind: str, group: str) -> Row:
    return {
        "text": text[0].upper() + text[1:],
        "label": label,
        "category": cat if label else None,
        "kind": kind,
        "group": group,
    }


def _fill(
    frames: list[str],
    fillers: list[tuple[str, str | None]],
    label: int,
    kind: str,
    k: int,
    rng: random.Random,
    key: str = "t",
) -> list[Row]:
    """``k`` frames per filler; the filler is the split group, so held-out fillers are unseen."""
    rows: list[Row] = []
    for filler, cat in fillers:
        for frame in rng.sample(frames, min(k, len(frames))):
            rows.append(_row(frame.format(**{key: filler}), label, cat, kind, f"{kind}:{filler}"))
    return rows


def _lists(path: Path) -> dict[str, Any]:
    """Named word lists of a ``{"list", "items"}`` JSONL file."""
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return {row["list"]: row["items"] for row in rows}


def _styles(rng: random.Random) -> tuple[list[Row], list[Row]]:
    """Red-team-suite request styles (v4) with same-frame benign contrasts.

    Instruction frames ("Give detailed step-by-step instructions for how to ..."), persuasive
    and news-style writing tasks on false or hateful theses versus legitimate ones and
    debunking requests, defamation versus neutral profiles, coercive messages versus
    encouraging ones, malicious versus defensive code, and the benign kinds over-refusal
    benchmarks probe (nonsense-group discrimination, fictional privacy, public offices).
    """
    s = _lists(STYLES)
    none = lambda xs: [(x, None) for x in xs]  # noqa: E731
    harm_acts = [tuple(a) for a in HARMFUL_ACTS] + [tuple(a) for a in s["HARMFUL_ACTS_2"]]
    ben_acts = [(a, None) for a, _ in BENIGN_ACTS] + none(s["BENIGN_ACTS_2"])
    harmful = _fill(s["INSTR_FRAMES"], harm_acts, 1, "instr", 3, rng, "act")
    benign = _fill(s["INSTR_FRAMES"], ben_acts, 0, "instr", 3, rng, "act")
    false = [tuple(t) for t in s["FALSE_THESES"]]
    harmful += _fill(s["PERSUADE_FRAMES"], false, 1, "persuade", 4, rng)
    benign += _fill(s["PERSUADE_FRAMES"], none(s["LEGIT_THESES"]), 0, "persuade", 4, rng)
    benign += _fill(s["DEBUNK_FRAMES"], [(t, None) for t, _ in false], 0, "debunk", 3, rng)
    for who in s["DEFAME_TARGETS"]:
        for claim in rng.sample(s["DEFAME_CLAIMS"], 5):
            text = rng.choice(s["DEFAME_FRAMES"]).format(p=who, c=claim)
            harmful.append(_row(text, 1, "non_violent_crimes", "defame", f"defame:{who}"))
        for frame in rng.sample(s["PROFILE_FRAMES"], 3):
            benign.append(_row(frame.format(p=who), 0, None, "profile", f"defame:{who}"))
    msg = [tuple(m) for m in s["MESSAGE_HARMFUL"]]
    harmful += _fill(s["MESSAGE_FRAMES"], msg, 1, "message", 3, rng, "x")
    benign += _fill(s["MESSAGE_FRAMES"], none(s["MESSAGE_BENIGN"]), 0, "message", 3, rng, "x")
    code_bad = [(c, "code_abuse") for c in s["CODE_HARMFUL"]]
    harmful += _fill(s["CODE_FRAMES"], code_bad, 1, "code", 3, rng, "x")
    benign += _fill(s["CODE_FRAMES"], none(s["CODE_BENIGN"]), 0, "code", 3, rng, "x")
    for group in s["NONSENSE_GROUPS"]:
        for right, noun in rng.sample(s["RIGHTS"], 3):
            text = rng.choice(s["NONSENSE_FRAMES"]).format(g=group, r=right, r2=noun)
            benign.append(_row(text, 0, None, "nonsense_group", f"ng:{group}"))
    for char in s["FICTIONAL_CHARS"]:
        for item in rng.sample(s["PRIVATE_ITEMS"], 3):
            text = rng.choice(s["FICTIONAL_FRAMES"]).format(c=char, i=item)
            benign.append(_row(text, 0, None, "fictional_privacy", f"fp:{char}"))
    benign += _fill(s["PUBLIC_ROLE_Q"], none(s["PUBLIC_OFFICES"]), 0, "public_office", 3, rng, "o")
    benign += [_row(t, 0, None, "xs_kinds", f"xs{i}") for i, t in enumerate(s["BENIGN_XS"])]
    harmful += [_row(t, 1, c, "misc", f"hm{i}") for i, (t, c) in enumerate(s["HARMFUL_MISC"])]
    return benign, harmful


def _hazards(rng: random.Random) -> tuple[list[Row], list[Row]]:
    """Under-covered hazards (v5), each with a same-frame benign contrast.

    Chemical / biological weapons and explosives, cyber intrusion and malware code, drug
    synthesis, weapons acquisition, fraud and trafficking as gerund instructions ("List the
    ingredients and procedure for ...") and infinitive ones; misinformation writing tasks;
    harassment messages. The benign side reuses the frames with safety, detection, defence,
    history and everyday fillers so that the frame and the topic alone carry no signal.
    """
    s, styles = _lists(HAZARDS), _lists(STYLES)
    none = lambda xs: [(x, None) for x in xs]  # noqa: E731
    pairs = [
        ("GERUND_FRAMES", "HARMFUL_GERUNDS", "BENIGN_GERUNDS", "gerund", "g"),
        ("INSTR_FRAMES", "HARMFUL_ACTS_3", "BENIGN_ACTS_3", "instr3", "act"),
        ("PERSUADE_FRAMES_2", "FALSE_THESES_2", "LEGIT_THESES_2", "persuade2", "t"),
        ("HARASS_FRAMES", "HARASS_HARMFUL", "HARASS_BENIGN", "harass", "x"),
        ("CODE_FRAMES_2", "CODE_HARMFUL_2", "CODE_BENIGN_2", "code2", "x"),
    ]
    harmful: list[Row] = []
    benign: list[Row] = []
    for frames_key, bad, good, kind, key in pairs:
        frames = s.get(frames_key) or styles[frames_key]
        k = 4 if kind == "persuade2" else 3
        bad_items = [(x, "code_abuse") if isinstance(x, str) else tuple(x) for x in s[bad]]
        harmful += _fill(frames, bad_items, 1, kind, k, rng, key)
        benign += _fill(frames, none(s[good]), 0, kind, k, rng, key)
    false = [(t, None) for t, _ in s["FALSE_THESES_2"]]
    benign += _fill(styles["DEBUNK_FRAMES"], false, 0, "debunk2", 2, rng)
    return benign, harmful


def build(seed: int = 13) -> tuple[list[Row], list[Row]]:
    """Benign and harmful rows, deterministic for a seed."""
    rng = random.Random(seed)
    benign = _requests(BENIGN_ACTS, 0, "benign_act", rng, per_act=4)
    benign += [{"text": t, "label": 0, "category": None, "kind": "figurative"} for t in FIGURATIVE]
    benign += _requests(EVERYDAY_ACTS, 0, "everyday_act", rng, per_act=3)
    benign += [{"text": t, "label": 0, "category": None, "kind": "support"} for t in SUPPORT]
    benign += [{"text": t, "label": 0, "category": None, "kind": "french"} for t in FRENCH_MORE]
    benign += _informational(rng) + _fiction(rng) + _people(rng)
    harmful = _requests(HARMFUL_ACTS, 1, "harmful_act", rng, per_act=4)
    french = _french(rng)
    benign += [r for r in french if r["label"] == 0]
    harmful += [r for r in french if r["label"] == 1]
    more_benign, more_harmful = _styles(random.Random(seed + 1))
    v5_benign, v5_harmful = _hazards(random.Random(seed + 2))
    return benign + more_benign + v5_benign, harmful + more_harmful + v5_harmful


def write(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    benign, harmful = build()
    write(benign, DATA / "benign_sensitive_templated.jsonl")
    write(harmful, DATA / "harmful_contrast_templated.jsonl")
    print(f"benign {len(benign)}  harmful {len(harmful)}")


if __name__ == "__main__":
    main()
