"""Train the ``harmful_response`` detector: cascade, stance combiner and hazard-category head.

Data (TRAIN-ALLOWED only): ``gptfuzz/responses_labeled/train.csv`` (MIT; label 1 = jailbroken,
harmful compliance), split by question so validation questions are unseen; the project's own
refusal corpus (``training/data/refusal_*.jsonl``: refusals and answers to harmless requests are
negatives, "refuse, then deliver harmful steps anyway" rows are positives; persona-wrapped
harmless rows are left out so a persona tag does not read as a sign of harmlessness); own short
harmful answers vs harmless answers on the same topics (``harmful_response_own.jsonl``, split by
topic); AILuminate demo prompts (CC-BY-4.0) for the hazard-category head.
``gptfuzz/responses_labeled/evaluate.csv`` is EVAL ONLY and is never read here.

Stage 2 (MiniLM head on the bounded :func:`~safeship.detectors._stance.embed_view`) runs only
in stage 1's uncertain band; ``--embed-cache FILE`` keeps embeddings between runs.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_harmful_response [--no-embed]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from safeship.detectors._stance import FEATURE_NAMES, stance_cues
from safeship.detectors.harmful_response import HarmfulResponseDetector, HarmfulResponseParams
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from training.cascade_fit import EmbedFn, fit_cascade
from training.embed_cache import DiskEmbed
from training.refusal_fragments import DUAL_TAGS, PERSONAS
from training.train_refusal import MODELS, ROOT, load

HAZARDS = {
    "vcr": "violent_crimes", "ncr": "nonviolent_crimes", "src": "sex_related_crimes",
    "cse": "child_sexual_exploitation", "iwp": "indiscriminate_weapons",
    "ssh": "suicide_self_harm", "ipv": "intellectual_property", "dfm": "defamation",
    "prv": "privacy", "hte": "hate", "sxc_prn": "sexual_content",
}
VAL_QUESTIONS = 16
OWN_WEIGHT = 0.5  # own refusal-corpus rows: many short texts; half weight keeps gptfuzz in charge
SHORT_WEIGHT = 3.0  # own short harmful/harmless answers: few rows, each a shape gptfuzz lacks
BAND = (0.1, 0.9)
# Combiner regularisation, chosen by 5-fold CV over train.csv *questions* (fit on half a fold's
# questions + own validation rows, scored on the other half): C in 0.01-0.3 scored 0.951-0.953,
# C=10 (v2) 0.949 with more spread. Weakly regularised cue weights fit the validation questions'
# quirks and transfer worse to unseen questions.
COMBINER_C = 0.1
BENIGN_WEIGHT = 1.0  # ordinary helpful answers (public sets)
OWN_BENIGN_WEIGHT = 3.0  # our helpful answers to sensitive-sounding questions
BENIGN_ROLEPLAY = 900  # about this many GPTeacher role-play responses (of 1,923)
BENIGN_GSM8K = 400
_TAGS = tuple(f"{p}:" if not p.startswith("[") else p for p in PERSONAS) + tuple(
    t for pair in DUAL_TAGS for t in pair
)


def default_data_dir() -> Path:
    env = os.environ.get("SAFESHIP_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "datasets"


def gptfuzz_split(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and validation frames, grouped by question (seeded)."""
    frame = pd.read_csv(data / "gptfuzz" / "responses_labeled" / "train.csv")
    questions = np.array(sorted(frame["question"].unique()))
    np.random.RandomState(0).shuffle(questions)
    val = frame["question"].isin(set(questions[:VAL_QUESTIONS].tolist()))
    return frame[~val], frame[val]


def hazard_head(data: Path, embed: EmbedFn) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Softmax head over MiniLM embeddings of AILuminate prompts (en + fr)."""
    folder = data / "ailuminate_demo_prompts"
    frames = [pd.read_csv(p) for p in sorted(folder.glob("*prompt_set_release.csv"))]
    prompts = pd.concat(frames)
    labels = [HAZARDS.get(h, "specialized_advice") for h in prompts["hazard"]]
    classes = tuple(sorted(set(labels)))
    emb = embed(prompts["prompt_text"].astype(str).tolist())
    lr = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")
    lr.fit(emb, [classes.index(c) for c in labels])
    return classes, lr.coef_.T.astype(np.float32), lr.intercept_.astype(np.float32)


def refusal_corpus(name: str) -> tuple[list[str], list[int]]:
    """Own refusal-corpus rows as harmful_response examples (see module docstring)."""
    texts, labels = [], []
    for r in load(name):
        harmful = r.get("prompt") == "harmful request"
        if not harmful and r["response"].startswith(_TAGS):
            continue
        texts.append(r["response"])
        labels.append(int(harmful))
    return texts, labels


def toxigen(data: Path, split: str) -> tuple[list[str], list[int]]:
    """ToxiGen seed statements (CDLA-Permissive-2.0), split by target group.

    Hateful ones are text a response must not contain (persuasive hate is a hazard gptfuzz
    barely covers); neutral ones about the same groups keep mere mentions of a group benign.
    """
    texts: dict[str, int] = {}
    for path in sorted((data / "toxigen" / "demonstrations").glob("*/*_sentences.txt")):
        label, group = path.stem.split("_", 1)
        side = "val" if zlib.crc32(group.encode()) % 5 == 0 else "train"
        if side != split:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip().strip("-").strip()
            if len(line) > 10:
                texts.setdefault(line, int(label == "hate"))
    return list(texts), list(texts.values())


def _side(key: str) -> str:
    """A stable 80/20 train/validation side for a group key."""
    return "val" if zlib.crc32(key.encode()) % 5 == 0 else "train"


def benign_answers(data: Path, split: str, roleplay_only: bool = False) -> list[str]:
    """Helpful answers to ordinary requests (all negatives), split by request.

    gptfuzz answers are all about harmful questions, so without these the model learned "a
    structured, step-by-step answer" as a sign of compliance and flagged an itinerary or a recipe.
    Sources (TRAIN ALLOWED): self-instruct outputs (Apache-2.0), GPTeacher role-play responses
    (MIT; fictional crime scenes and villains are hard negatives), GSM8K worked answers (MIT).
    """
    out: list[str] = []
    for name in () if roleplay_only else ("seed_tasks.jsonl", "user_oriented_instructions.jsonl"):
        for line in (data / "self_instruct_human" / name).read_text(encoding="utf-8").splitlines():
            task = json.loads(line)
            for inst in task.get("instances", []):
                text = str(inst.get("output", "")).strip()
                if len(text) > 40 and _side(task["id"]) == split:
                    out.append(text)
    roleplay = data / "gpteacher_roleplay" / "roleplay-simple-deduped-roleplay-instruct.json"
    rows = json.loads(roleplay.read_text(encoding="utf-8"))
    for row in rows[:: max(1, len(rows) // BENIGN_ROLEPLAY)]:
        text = str(row.get("response", "")).strip()
        if len(text) > 40 and _side(str(row.get("instruction", ""))) == split:
            out.append(text)
    gsm = (data / "gsm8k" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    for line in [] if roleplay_only else gsm[:BENIGN_GSM8K]:
        item = json.loads(line)
        if _side(item["question"]) == split:
            out.append(str(item["answer"]).split("####")[0].strip())
    return list(dict.fromkeys(out))


def own_benign_answers(split: str) -> list[str]:
    """Our own helpful answers to sensitive-sounding but harmless requests (all negatives)."""
    rows = [r for r in load("harmful_response_benign_v7.jsonl") if r["split"] == split]
    return [r["response"] for r in rows]


OWN_SHORT_FILES = ("harmful_response_own.jsonl", "harmful_response_own_v7.jsonl")
"""v7 adds 60 more topics of short, deliberately vague compliant answers and same-topic
non-compliant ones: with ordinary helpful answers as negatives, "Sure. Wait until the shop is
busy..." had fallen to 0.30, the compliance shape needed more examples than 23 topics gave.
``harmful_response_persona_v8.jsonl`` (60 topics of jailbreak-format answers) is kept but not
trained on: the v6 model built with it blocked more of a small model's answers to safe prompts
(see the card)."""
PERSONA_FILE = "harmful_response_persona_v8.jsonl"
_PLACEHOLDER = re.compile(r"[<\[(]([^<>\[\]()]*?)\s*omitted\s*[>\])]")


def without_placeholders(text: str) -> str:
    """Turn "[method omitted]" into "method" and a bare "[omitted]" into "...".

    The v8 writers kept harmful details out with such placeholders, in harmful rows only; left
    as they are, they would teach the model that the word "omitted" means harm.
    """
    return _PLACEHOLDER.sub(lambda m: m.group(1).strip() or "...", text)


def own_short(split: str) -> tuple[list[str], list[int]]:
    rows = [r for name in OWN_SHORT_FILES for r in load(name) if r["split"] == split]
    return [without_placeholders(r["response"]) for r in rows], [int(r["label"]) for r in rows]


def fit_combiner(det: HarmfulResponseDetector, texts: list[str], y: np.ndarray,
                 cache: FeatureCache) -> dict[str, object]:
    """Logistic layer over [cascade logit, stance cues], fitted on validation rows."""
    z = np.array([det.cascade_logit(t, cache) for t in texts])
    x = np.c_[z, np.stack([stance_cues(t).vector for t in texts])]
    lr = LogisticRegression(C=COMBINER_C, max_iter=2000).fit(x, y)
    return {"coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0]),
            "features": ["cascade_logit", *FEATURE_NAMES]}


def evaluate(texts: list[str], y: np.ndarray, path: Path, cache: FeatureCache) -> dict[str, float]:
    det = HarmfulResponseDetector(HarmfulResponseParams(model_path=path))
    p = np.array([det.probability(t, cache) for t in texts])
    return {"accuracy": float(((p >= 0.5) == y).mean()), "n": len(y)}


@dataclass
class Rows:
    """The trainer's rows: training texts with labels and weights, validation texts by source."""

    train_x: list[str]
    train_y: np.ndarray
    weights: np.ndarray
    val_x: list[str]
    val_y: np.ndarray
    n_gptfuzz_val: int
    rc_va: list[str]
    rc_va_y: list[int]
    own_tr: list[str]
    own_va: list[str]
    own_va_y: list[int]
    tg_va: list[str]
    tg_va_y: list[int]
    ob_tr: list[str]
    ob_va: list[str]
    bn_tr: list[str]
    bn_va: list[str]


def assemble(
    data: Path, benign_weight: float = BENIGN_WEIGHT, own_benign_weight: float = OWN_BENIGN_WEIGHT
) -> Rows:
    """Every training and validation row (shared with the fine-tuned encoder's build step)."""
    train, val = gptfuzz_split(data)
    rc_tr, rc_tr_y = refusal_corpus("refusal_train.jsonl")
    rc_va, rc_va_y = refusal_corpus("refusal_val.jsonl")
    own_tr, own_tr_y = own_short("train")
    own_va, own_va_y = own_short("val")
    tg_tr, tg_tr_y = toxigen(data, "train")
    tg_va, tg_va_y = toxigen(data, "val")
    own_tr, own_tr_y = own_tr + tg_tr, own_tr_y + tg_tr_y
    bn_tr = benign_answers(data, "train")
    bn_va = benign_answers(data, "val")
    ob_tr, ob_va = own_benign_answers("train"), own_benign_answers("val")
    tr_x = train["Response"].astype(str).tolist() + rc_tr + own_tr + ob_tr + bn_tr
    tr_y = np.r_[train["label"].to_numpy(int), rc_tr_y, own_tr_y,
                 np.zeros(len(ob_tr) + len(bn_tr), int)]
    va_x = val["Response"].astype(str).tolist() + rc_va + own_va + tg_va + ob_va + bn_va
    va_y = np.r_[val["label"].to_numpy(int), rc_va_y, own_va_y, tg_va_y,
                 np.zeros(len(ob_va) + len(bn_va), int)]
    weights = np.r_[np.ones(len(train)), np.full(len(rc_tr), OWN_WEIGHT),
                    np.full(len(own_tr), SHORT_WEIGHT), np.full(len(ob_tr), own_benign_weight),
                    np.full(len(bn_tr), benign_weight)]
    return Rows(tr_x, tr_y, weights, va_x, va_y, len(val), rc_va, rc_va_y, own_tr, own_va,
                own_va_y, tg_va, tg_va_y, ob_tr, ob_va, bn_tr, bn_va)


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--no-embed", action="store_true", help="stage 1 only, no hazard head")
    ap.add_argument("--embed-cache", type=Path, help="npz file memoising training embeddings")
    ap.add_argument("--out", type=Path, default=MODELS)
    ap.add_argument("--benign-weight", type=float, default=BENIGN_WEIGHT)
    ap.add_argument("--own-benign-weight", type=float, default=OWN_BENIGN_WEIGHT)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = assemble(args.data_dir, args.benign_weight, args.own_benign_weight)
    tr_x, tr_y, weights = rows.train_x, rows.train_y, rows.weights
    va_x, va_y = rows.val_x, rows.val_y
    rc_va, rc_va_y, own_va, own_va_y = rows.rc_va, rows.rc_va_y, rows.own_va, rows.own_va_y
    tg_va, tg_va_y, ob_va, bn_va = rows.tg_va, rows.tg_va_y, rows.ob_va, rows.bn_va
    own_tr, bn_tr, ob_tr = rows.own_tr, rows.bn_tr, rows.ob_tr
    embed = None if args.no_embed else DiskEmbed(args.embed_cache)
    embed_fn: EmbedFn | None = embed
    model, rep = fit_cascade("harmful_response", tr_x, tr_y, va_x, va_y, embed_fn, c_tfidf=8.0,
                             band=BAND, sample_weight=weights.tolist())
    out = args.out / "harmful_response.npz"
    stage1_cache = FeatureCache(NgramHasher())
    cache = FeatureCache(NgramHasher(), embed) if embed is not None else stage1_cache
    model.meta["combiner"] = model.meta["combiner_stage1"] = {"coef": [1.0] + [0.0] * len(
        FEATURE_NAMES), "intercept": 0.0}
    model.save(out)
    det = HarmfulResponseDetector(HarmfulResponseParams(model_path=out))
    model.meta["combiner"] = fit_combiner(det, va_x, va_y, cache)
    model.meta["combiner_stage1"] = (
        fit_combiner(det, va_x, va_y, stage1_cache) if embed is not None
        else model.meta["combiner"])
    if embed is not None:
        classes, coef, intercept = hazard_head(args.data_dir, embed)
        model.category_classes, model.category_coef, model.category_intercept = (
            classes, coef, intercept)
    model.save(out)
    if embed is not None:
        embed.flush()
    n_val = rows.n_gptfuzz_val
    report = {
        "fit": rep.as_dict(),
        "sizes": {"train": len(tr_x), "validation": len(va_x),
                  "own_short_and_toxigen_train": len(own_tr), "own_short_val": len(own_va),
                  "toxigen_val": len(tg_va), "own_benign_answers": [len(ob_tr), len(ob_va)],
                  "public_benign_answers": [len(bn_tr), len(bn_va)]},
    }
    for name, c in (("cascade", cache), ("stage1_only", stage1_cache)):
        report[name] = {
            "validation_gptfuzz_16_questions": evaluate(va_x[:n_val], va_y[:n_val], out, c),
            "validation_refusal_corpus": evaluate(rc_va, np.array(rc_va_y), out, c),
            "validation_own_short": evaluate(own_va, np.array(own_va_y), out, c),
            "validation_toxigen_groups": evaluate(tg_va, np.array(tg_va_y), out, c),
            "validation_own_benign_answers": evaluate(ob_va, np.zeros(len(ob_va), int), out, c),
            "validation_public_benign_answers": evaluate(bn_va, np.zeros(len(bn_va), int), out,
                                                         c),
        }
    report["hazard_head"] = list(model.category_classes)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
