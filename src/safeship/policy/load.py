"""Load and validate a policy file, reporting every problem with file, line and field.

YAML is parsed twice from the same text: once into Python values for pydantic, once into a node
tree that remembers line numbers, so each pydantic error location (``features.chat.input.0.params``)
maps back to the line a human must edit. Detector params are then validated against each
detector's own params model, found through the registry, and once all that holds, every
threshold, action and refusal key must name something the feature can report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from safeship.detectors.base import detectors
from safeship.errors import PolicyError, PolicyProblem, RegistryError
from safeship.policy.category_keys import unknown_category_keys
from safeship.policy.schema import Policy
from safeship.yaml_source import field_path, node_line, parse_yaml_mapping

MAX_POLICY_BYTES = 2_000_000


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy plus where it came from and a content hash for telemetry."""

    policy: Policy
    source: str
    version: str


def _check_spec(
    raw: Any, loc: tuple[str | int, ...], stage: str
) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of one raw detector entry: unknown name, wrong stage, params its model rejects."""
    if not isinstance(raw, dict) or not isinstance(raw.get("detector"), str):
        return []  # the schema reports the shape problem
    try:
        cls = detectors.get(raw["detector"])
    except RegistryError as exc:
        return [((*loc, "detector"), str(exc))]
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if stage not in {s.value for s in cls.stages}:
        msg = f"detector {raw['detector']!r} does not run on the {stage} stage"
        problems.append(((*loc, "detector"), msg))
    params = raw.get("params", {})
    if isinstance(params, dict):
        try:
            cls.params_model.model_validate(params)
        except ValidationError as exc:
            problems += [((*loc, "params", *e["loc"]), e["msg"]) for e in exc.errors()]
    return problems


def _check_detectors(
    data: dict[str, Any], root: yaml.Node | None, source: str
) -> list[PolicyProblem]:
    """Validate detector names and params on the raw data.

    Working on raw data reports them alongside schema errors elsewhere in the file, rather than
    only after those are fixed.
    """
    problems: list[PolicyProblem] = []
    features = data.get("features")
    if not isinstance(features, dict):
        return problems
    for fname, feature in features.items():
        if not isinstance(feature, dict):
            continue
        for stage in ("input", "output"):
            specs = feature.get(stage)
            if not isinstance(specs, list):
                continue
            for i, raw in enumerate(specs):
                for loc, msg in _check_spec(raw, ("features", str(fname), stage, i), stage):
                    problems.append(
                        PolicyProblem(source, node_line(root, loc), field_path(loc), msg)
                    )
    return problems


def parse_policy(text: str, source: str = "<string>") -> LoadedPolicy:
    """Parse and validate policy YAML; raises ``PolicyError`` listing every problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise PolicyError(
            [PolicyProblem(source, None, "<file>", "policy file is larger than 2 MB")]
        )
    doc = parse_yaml_mapping(text, source, "policy")
    root, data = doc.root, doc.data
    problems = []
    policy: Policy | None = None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = doc.validation_problems(exc)
    problems += _check_detectors(data, root, source)
    if policy is not None and not problems:
        problems = [doc.problem(loc, msg) for loc, msg in unknown_category_keys(policy)]
    if problems or policy is None:
        raise PolicyError(sorted(problems, key=lambda p: (p.line or 0, p.field)))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return LoadedPolicy(policy=policy, source=source, version=f"{policy.name}@{digest}")


def load_policy(path: str | Path) -> LoadedPolicy:
    """Read a policy file from disk."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyError(
            [PolicyProblem(str(p), None, "<file>", f"cannot read: {exc.strerror}")]
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([PolicyProblem(str(p), None, "<file>", "not valid UTF-8 text")]) from exc
    return parse_policy(text, str(p))
