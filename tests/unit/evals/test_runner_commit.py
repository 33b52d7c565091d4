"""The runner stores replies by group commit: all stored, few commits, failures surface."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from safeship.evals.runner import RunConfig, execute
from safeship.evals.runstore import Output, RunStore
from safeship.evals.suite import Case, Suite
from safeship.evals.targets import CallableTarget

N = 40


def _suite() -> Suite:
    cases = [
        Case(id=f"c{i}", prompt=f"question {i}", expected="comply", category="x") for i in range(N)
    ]
    return Suite(name="s", version="1", cases=cases)


def _config() -> RunConfig:
    return RunConfig(suites=("s",), suite_versions=("1",), target="python:t")


class CountingStore(RunStore):
    def __init__(self, path: Path, fail: bool = False) -> None:
        super().__init__(path)
        self.groups: list[int] = []
        self.fail = fail

    def save_many(self, run_id: str, outputs: Sequence[Output]) -> None:
        if self.fail:
            raise OSError("disk full")
        self.groups.append(len(outputs))
        super().save_many(run_id, outputs)


async def _answer(messages: list[dict[str, str]]) -> str:
    await asyncio.sleep(0.01)
    return "answer to " + messages[-1]["content"]


async def test_every_reply_is_stored_in_few_commits(tmp_path: Path) -> None:
    progress: list[int] = []
    with CountingStore(tmp_path / "runs.db") as store:
        run_id, sent = await execute(
            store,
            _config(),
            [_suite()],
            CallableTarget(_answer),
            concurrency=10,
            on_done=progress.append,
        )
        stored = list(store.outputs(run_id))
    assert sent == N and sum(store.groups) == N
    assert len(store.groups) < N  # grouped: concurrent replies share a commit
    assert [o.reply.text for o in stored] == [f"answer to question {i}" for i in range(N)]
    assert progress[0] == 0 and progress[-1] == N and progress == sorted(progress)


async def test_replies_received_before_an_interruption_are_stored(tmp_path: Path) -> None:
    calls = 0

    async def stalls(messages: list[dict[str, str]]) -> str:
        nonlocal calls
        calls += 1
        if calls > 5:
            await asyncio.Event().wait()  # the model hangs: the run gets cancelled
        return "ok"

    with RunStore(tmp_path / "runs.db") as store:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(
                execute(store, _config(), [_suite()], CallableTarget(stalls), concurrency=1), 0.5
            )
        assert len(store.done(_config().run_id)) == 5


async def test_a_failing_store_surfaces_and_stops_sending(tmp_path: Path) -> None:
    calls = 0

    async def counted(messages: list[dict[str, str]]) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.005)
        return "ok"

    with CountingStore(tmp_path / "runs.db", fail=True) as store:
        with pytest.raises(OSError, match="disk full"):
            await execute(store, _config(), [_suite()], CallableTarget(counted), concurrency=2)
    assert calls < N
