"""One exception tree for the whole package.

::

    SafeshipError
    ├── PolicyError            a policy file is malformed (file, line and field of every problem)
    ├── RegistryError          unknown plugin name, or a plugin that fails to load
    ├── DetectorError          a detector failed while scoring (the guard applies its fail mode)
    ├── ArtefactError          a shipped or user-supplied model artefact is missing or corrupt
    ├── MissingDependencyError an optional extra is not installed (says what to install)
    └── InputError             bad user input (file, JSON line, field) with its location
"""

from __future__ import annotations

from dataclasses import dataclass


class SafeshipError(Exception):
    """Base of every error safeship raises on purpose."""


@dataclass(frozen=True)
class PolicyProblem:
    """One problem in a policy file, located as precisely as we can."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}"


class PolicyError(SafeshipError):
    """A policy file is invalid; ``problems`` lists every error found, not just the first."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RegistryError(SafeshipError):
    """A plugin name is unknown or its entry point cannot be loaded."""


class DetectorError(SafeshipError):
    """A detector could not score a text."""


class ArtefactError(SafeshipError):
    """A model artefact is missing, unreadable or of the wrong shape."""


class MissingDependencyError(SafeshipError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, feature: str, extra: str, packages: str) -> None:
        super().__init__(
            f"{feature} needs optional dependencies that are not installed: {packages}. "
            f"Install them with: pip install 'safeship[{extra}]'"
        )
        self.extra = extra


class InputError(SafeshipError):
    """User-supplied input is malformed; the message names the file, line and field."""
