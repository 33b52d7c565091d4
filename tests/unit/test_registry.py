from __future__ import annotations

import pytest

from safeship.detectors.base import detectors
from safeship.errors import RegistryError
from safeship.registry import Registry

REQUIRED = {
    "prompt_injection", "harmful_request", "toxicity", "pii", "secrets",
    "refusal", "harmful_response", "canary",
}


def test_builtins_are_entry_point_plugins() -> None:
    names = set(detectors.names())
    assert REQUIRED <= names
    assert {"always_pass", "always_flag", "always_error"} <= names


def test_lookup_by_short_and_qualified_name() -> None:
    assert detectors.get("always_pass") is detectors.get("safeship/always_pass")


def test_unknown_name_lists_choices() -> None:
    with pytest.raises(RegistryError, match="unknown detector 'nope'.*always_pass"):
        detectors.get("nope")


def test_register_in_code_and_clear() -> None:
    reg: Registry[object] = Registry("detector")

    @reg.register("mine")
    class Mine:
        plugin_kind = "detector"

    assert reg.get("mine") is Mine
    reg.clear()
    with pytest.raises(RegistryError):
        reg.get("mine")
