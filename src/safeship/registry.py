"""One typed registry for plugins, fed only by the ``safeship`` entry-point group.

Built-ins register exactly like third-party plugins: ``pyproject.toml`` lists them under
``[project.entry-points.safeship]`` as ``"pkg/name" = "module:Class"``. A plugin class declares its
kind in ``plugin_kind`` (``"detector"`` today; scorers, targets and sinks later), so one group
serves every kind and nothing dispatches on names. Classes can also be registered in code (tests,
notebooks) with :meth:`Registry.register`. Entry points are read lazily, once, and a plugin module
is imported only when that plugin is asked for, which keeps ``import safeship`` fast.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Generic, TypeVar

from safeship.errors import RegistryError

ENTRY_POINT_GROUP = "safeship"

T = TypeVar("T")


def _short_name(name: str) -> str:
    return name.split("/", 1)[1] if "/" in name else name


class Registry(Generic[T]):
    """Name -> plugin class, for one plugin kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, type[T]] = {}
        self._entry_points: dict[str, EntryPoint] | None = None

    def register(self, name: str | None = None) -> Callable[[type[T]], type[T]]:
        """Register a class under ``name`` (default: its ``name`` attribute)."""

        def decorate(cls: type[T]) -> type[T]:
            key = name or getattr(cls, "name", None)
            if not key:
                raise RegistryError(f"{cls.__qualname__} has no name to register under")
            self._classes[_short_name(key)] = cls
            return cls

        return decorate

    def unregister(self, name: str) -> None:
        """Remove a class registered in code (entry points come back on the next lookup)."""
        self._classes.pop(_short_name(name), None)

    def _discover(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                found.setdefault(_short_name(ep.name), ep)
                found[ep.name] = ep
            self._entry_points = found
        return self._entry_points

    def names(self) -> list[str]:
        """Every registered name of this kind, sorted (loads each entry point to check its kind)."""
        names = set(self._classes)
        for key, ep in self._discover().items():
            if "/" in key:
                continue
            try:
                cls = ep.load()
            except Exception:  # a broken third-party plugin must not hide the others
                continue
            if getattr(cls, "plugin_kind", None) == self.kind:
                names.add(key)
        return sorted(names)

    def get(self, name: str) -> type[T]:
        """The class registered under ``name``; raises ``RegistryError`` naming the choices."""
        key = _short_name(name)
        if key in self._classes:
            return self._classes[key]
        ep = self._discover().get(name) or self._discover().get(key)
        if ep is None:
            raise RegistryError(
                f"unknown {self.kind} {name!r}; known: {', '.join(self.names()) or 'none'}"
            )
        try:
            cls: Any = ep.load()
        except Exception as exc:
            msg = f"{self.kind} {name!r} failed to load from {ep.value}: {exc}"
            raise RegistryError(msg) from exc
        if getattr(cls, "plugin_kind", None) != self.kind:
            kind = getattr(cls, "plugin_kind", "?")
            raise RegistryError(f"{name!r} is a {kind}, not a {self.kind}")
        self._classes[key] = cls
        return cls  # type: ignore[no-any-return]

    def clear(self) -> None:
        """Forget classes registered in code and re-read entry points on next use."""
        self._classes.clear()
        self._entry_points = None
