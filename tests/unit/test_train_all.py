"""``make train`` rebuilds every shipped artefact: each step exists and takes its arguments."""

from __future__ import annotations

import importlib
import inspect

from training.train_all import STEPS


def test_every_step_is_a_training_module_with_a_main_taking_argv() -> None:
    for module, extra in STEPS:
        main = importlib.import_module(f"training.{module}").main
        assert "argv" in inspect.signature(main).parameters, module
        assert all(arg.startswith("--") for arg in extra)


def test_every_use_head_has_a_step() -> None:
    """The four heads on USE embeddings were trained by hand until they joined ``make train``."""
    steps = {(m, e) for m, e in STEPS}
    assert ("train_injection_use", ()) in steps
    assert ("train_harmful_request_use", ()) in steps
    assert ("train_harmful_request_use", ("--scripts",)) in steps
    assert ("train_harmful_request_use_hazards", ()) in steps
