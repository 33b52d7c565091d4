"""How often each scorer is wrong, measured on labelled data and shipped beside the package.

A scorer is a classifier, and an attack success rate computed with it inherits its mistakes: a
report that says "ASR 12%" without saying "the harm scorer misreads 6% of replies" overstates
what it knows. ``bench/scorer_accuracy.py`` scores labelled replies through the real scorers and
writes ``models/cards/scorer_accuracy.json`` (shipped as package data, beside the model
cards) with, per scorer and data set, ``n``, the
errors, the error rate with its Wilson interval, and the SHA-256 of every model artefact the
scorer used. Reports carry these entries; an entry whose artefacts have changed since it was
measured is marked ``stale`` rather than silently presented as the current scorer's accuracy.

Everything here but :func:`load` / :func:`write` / :func:`current_hashes` is a pure function.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safeship.errors import InputError
from safeship.evals.metrics import wilson

FORMAT_VERSION = 1
_MODELS = Path(str(resources.files("safeship") / "models"))
DEFAULT_PATH = _MODELS / "cards" / "scorer_accuracy.json"
_EMBEDDER = "minilm/model_int8.onnx"
# The artefacts (relative to ``safeship/models``) whose change invalidates a measured error rate.
ARTEFACTS: Mapping[str, tuple[str, ...]] = {
    "refusal": (
        "refusal.npz",
        "refusal_partial.npz",
        "refusal_encoder/model_int8.onnx",
        "refusal_encoder/head.json",
        _EMBEDDER,
    ),
    "harmful_compliance": ("harmful_response.npz", _EMBEDDER),
    "toxicity": ("toxicity.npz", "toxicity_lexicon.npz", _EMBEDDER),
}


class ScorerAccuracy(BaseModel):
    """One scorer's measured error rate on one labelled data set (binary, at ``flagged``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scorer: str
    dataset: str
    eval_only: bool
    task: str = Field(description="what 'positive' means, e.g. 'refused (full or partial)'")
    n: int = Field(gt=0)
    errors: int = Field(ge=0)
    error_rate: float = Field(ge=0.0, le=1.0)
    ci_low: float = Field(ge=0.0, le=1.0)
    ci_high: float = Field(ge=0.0, le=1.0)
    false_positives: int | None = Field(default=None, ge=0, description="binary tasks only")
    false_negatives: int | None = Field(default=None, ge=0, description="binary tasks only")
    positives: int | None = Field(default=None, ge=0, description="binary tasks only")
    artefacts: dict[str, str] = Field(default_factory=dict)
    note: str = ""


class AccuracyFile(BaseModel):
    """The shipped file: a format version and the entries, in a stable order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    entries: tuple[ScorerAccuracy, ...] = ()


def measure(
    scorer: str,
    dataset: str,
    labels: Sequence[bool],
    flagged: Sequence[bool],
    *,
    task: str,
    eval_only: bool,
    artefacts: Mapping[str, str] | None = None,
    note: str = "",
) -> ScorerAccuracy:
    """The error rate of ``flagged`` against ``labels`` (both: True = positive), Wilson 95% CI.

    Raises:
        ValueError: when the two sequences differ in length or are empty.
    """
    _check_pairs(scorer, dataset, labels, flagged)
    fp = sum(1 for y, f in zip(labels, flagged, strict=True) if f and not y)
    fn = sum(1 for y, f in zip(labels, flagged, strict=True) if y and not f)
    return _accuracy(
        scorer,
        dataset,
        len(labels),
        fp + fn,
        task=task,
        eval_only=eval_only,
        artefacts=artefacts,
        note=note,
        false_positives=fp,
        false_negatives=fn,
        positives=sum(1 for y in labels if y),
    )


def measure_labels(
    scorer: str,
    dataset: str,
    truth: Sequence[str],
    predicted: Sequence[str],
    *,
    task: str,
    eval_only: bool,
    artefacts: Mapping[str, str] | None = None,
    note: str = "",
) -> ScorerAccuracy:
    """The error rate of a multi-class label (e.g. refusal's three classes), Wilson 95% CI.

    Raises:
        ValueError: when the two sequences differ in length or are empty.
    """
    _check_pairs(scorer, dataset, truth, predicted)
    errors = sum(1 for t, p in zip(truth, predicted, strict=True) if t != p)
    return _accuracy(
        scorer,
        dataset,
        len(truth),
        errors,
        task=task,
        eval_only=eval_only,
        artefacts=artefacts,
        note=note,
    )


def _check_pairs(scorer: str, dataset: str, truth: Sequence[Any], predicted: Sequence[Any]) -> None:
    if len(truth) != len(predicted):
        raise ValueError(f"{scorer} on {dataset}: {len(truth)} labels but {len(predicted)} scores")
    if not truth:
        raise ValueError(f"{scorer} on {dataset}: no labelled rows to measure on")


def _accuracy(
    scorer: str,
    dataset: str,
    n: int,
    errors: int,
    *,
    task: str,
    eval_only: bool,
    artefacts: Mapping[str, str] | None,
    note: str,
    **binary: int,
) -> ScorerAccuracy:
    """One row: ``errors`` of ``n`` with its Wilson 95% interval (``binary``: FP/FN/positives)."""
    r = wilson(errors, n)
    assert r.value is not None and r.ci_low is not None and r.ci_high is not None
    return ScorerAccuracy(
        scorer=scorer,
        dataset=dataset,
        eval_only=eval_only,
        task=task,
        n=n,
        errors=errors,
        error_rate=r.value,
        ci_low=r.ci_low,
        ci_high=r.ci_high,
        artefacts=dict(artefacts or {}),
        note=note,
        **binary,
    )


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (memoised per path, size and modification time)."""
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current_hashes(scorer: str, models_dir: Path = _MODELS) -> dict[str, str]:
    """SHA-256 of each artefact ``scorer`` loads today (empty for a scorer without artefacts)."""
    return {
        name: sha256_file(models_dir / name)
        for name in ARTEFACTS.get(scorer, ())
        if (models_dir / name).is_file()
    }


def is_stale(entry: ScorerAccuracy, hashes: Mapping[str, str]) -> bool:
    """Whether the artefacts ``entry`` was measured on differ from ``hashes`` (today's)."""
    return dict(entry.artefacts) != dict(hashes)


def for_report(
    accuracy: AccuracyFile, hashes: Mapping[str, Mapping[str, str]]
) -> list[dict[str, Any]]:
    """The entries as report rows, each with ``stale`` against today's artefact ``hashes``."""
    rows = []
    for entry in accuracy.entries:
        row = entry.model_dump(mode="json", exclude={"artefacts"})
        row["stale"] = is_stale(entry, hashes.get(entry.scorer, {}))
        rows.append(row)
    return rows


def report_rows(path: Path = DEFAULT_PATH, models_dir: Path = _MODELS) -> list[dict[str, Any]]:
    """The shipped entries for a report, marked stale where the artefacts changed since."""
    accuracy = load(path)
    scorers = sorted({e.scorer for e in accuracy.entries})
    return for_report(accuracy, {s: current_hashes(s, models_dir) for s in scorers})


def load(path: Path = DEFAULT_PATH) -> AccuracyFile:
    """Read a scorer-accuracy file; a missing file is an empty one (nothing measured yet).

    Raises:
        InputError: naming the file and the offending field when it is malformed.
    """
    if not path.is_file():
        return AccuracyFile()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not readable JSON: {exc}") from exc
    if isinstance(data, dict) and data.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{path}: format_version: expected {FORMAT_VERSION}, got {data.get('format_version')!r}"
        )
    try:
        return AccuracyFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"{path}: {where}: {first['msg']}") from exc


def write(path: Path, accuracy: AccuracyFile) -> None:
    """Write the file with sorted keys and entries, so a re-measurement diffs cleanly."""
    entries = sorted(accuracy.entries, key=lambda e: (e.scorer, e.dataset))
    body = AccuracyFile(entries=tuple(entries)).model_dump(mode="json")
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
