"""YAML that remembers where things are, so every config error can name its file and line.

Policies, gateway configs and eval suites all parse YAML twice from the same text: once into
Python values for pydantic, once into a node tree with line marks. A pydantic error location
(``features.chat.input.0.params``) then maps back to the line a human must edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from safeship.errors import PolicyError, PolicyProblem

Loc = tuple[str | int, ...]


def field_path(loc: Loc) -> str:
    """A pydantic error location as the dotted path a user finds in the file."""
    return ".".join(str(p) for p in loc) or "<root>"


def node_line(root: yaml.Node | None, loc: Loc) -> int | None:
    """1-based line of the deepest node that exists along ``loc`` in a composed YAML tree."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        nxt: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    nxt, line = value, key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                nxt = node.value[part]
                line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML mapping plus its node tree, for locating problems."""

    data: dict[str, Any]
    root: yaml.Node | None
    source: str

    def problem(self, loc: Loc, message: str) -> PolicyProblem:
        """A problem located at ``loc``."""
        return PolicyProblem(self.source, node_line(self.root, loc), field_path(loc), message)

    def validation_problems(self, exc: ValidationError) -> list[PolicyProblem]:
        """Every pydantic error, located."""
        return [self.problem(tuple(e["loc"]), e["msg"]) for e in exc.errors()]


def parse_yaml_mapping(text: str, source: str, what: str = "file") -> YamlDocument:
    """Parse ``text``; raises ``PolicyError`` (located) if it is not valid YAML or not a mapping."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError([PolicyProblem(source, line, "<yaml>", f"invalid YAML: {exc}")]) from exc
    if not isinstance(data, dict):
        raise PolicyError([PolicyProblem(source, 1, "<root>", f"a {what} must be a YAML mapping")])
    return YamlDocument(data=data, root=root, source=source)
