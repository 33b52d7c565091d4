"""The eval runner: suites x attacks x target -> persisted outputs -> scored attempts.

Sending and scoring are two separate steps on purpose. :func:`execute` sends every planned
attempt not yet stored (bounded concurrency) and commits each reply, error or not, the moment it
arrives; :func:`score_run` reads the stored outputs back and scores them without ever calling the
model. An interrupted run is resumed by running the same configuration again, and a scorer fix
is applied to an old run by re-scoring it.

The plan is deterministic: attack cases are sent as written (attack ``none``) and once per
requested attack transform, seeded; benign cases are sent once as written. Multiple-choice
(``answer``) cases are sent and stored but are not scored here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from pydantic import BaseModel, ConfigDict

from safeship.evals.attacks import compose
from safeship.evals.batch import score_batch
from safeship.evals.metrics import Attempt, BenignAttempt
from safeship.evals.runstore import Output, RunStore
from safeship.evals.scorers import CanaryLeakScorer, RefusalScorer, to_attempt, to_benign_attempt
from safeship.evals.suite import Expected, Suite
from safeship.evals.targets._base import Target, TargetReply, error_text

_VERSIONED = ("safeship", "pydantic", "numpy", "onnxruntime", "scikit-learn", "httpx")


class RunConfig(BaseModel):
    """Everything that defines a run; its hash is the run id, so reruns resume."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    suites: tuple[str, ...]
    suite_versions: tuple[str, ...]
    target: str
    attacks: tuple[str, ...] = ()
    seed: int = 0
    policy: str | None = None

    @property
    def run_id(self) -> str:
        """A short stable hash of the configuration."""
        blob = json.dumps(self.model_dump(), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ScoredOutput:
    """A stored output with what the scorers made of it (one of the two outcomes is set)."""

    output: Output
    attempt: Attempt | None
    benign: BenignAttempt | None
    refusal_p: float | None


def package_versions() -> dict[str, str]:
    """Versions of the software that can change a run's results."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def plan(suites: Sequence[Suite], attacks: Sequence[str], seed: int) -> list[Output]:
    """Every attempt of a run in a fixed order, replies still empty."""
    chains = [compose(a) for a in attacks]
    out: list[Output] = []
    for suite in suites:
        for case in suite.cases:
            variants = [("none", case)]
            if case.is_attack:
                variants += [(c.name, c.apply(case, seed)) for c in chains]
            for attack, sent in variants:
                out.append(
                    Output(
                        attempt_id=f"{suite.name}/{sent.id}",
                        suite=suite.name,
                        attack=attack,
                        ordinal=len(out),
                        case=sent,
                        reply=TargetReply(),
                    )
                )
    return out


async def execute(
    store: RunStore,
    config: RunConfig,
    suites: Sequence[Suite],
    target: Target,
    *,
    concurrency: int = 8,
    on_done: Callable[[int], None] | None = None,
) -> tuple[str, int]:
    """Send every planned attempt not already stored; returns (run id, attempts sent now).

    ``on_done`` is called with the number of attempts completed so far (stored ones included),
    for a progress bar. A target that raises despite its contract is stored as an error.

    Replies are stored by group commit: each reply is queued the moment it arrives and a writer
    commits everything queued in one transaction, so a reply waits at most one commit, and a
    concurrent run pays one disk sync per group instead of one per reply (a commit per reply
    held concurrency 32 against a 50 ms model to ~31 replies/s). An interruption still stores
    every reply received: the writer drains the queue before ``execute`` returns or raises.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    run_id = config.run_id
    store.ensure_run(run_id, config.model_dump(), package_versions())
    done = store.done(run_id)
    todo = [o for o in plan(suites, config.attacks, config.seed) if o.attempt_id not in done]
    completed = len(done)
    if on_done is not None:
        on_done(completed)
    gate = asyncio.Semaphore(concurrency)
    queued: list[Output] = []
    arrived = asyncio.Event()
    sending = True

    async def send(planned: Output) -> None:
        async with gate:
            if writer.done():  # the store failed: stop calling the model, surface the error
                writer.result()
            try:
                reply = await target.generate(planned.case.conversation)
            except Exception as exc:  # a broken target is an error, never a refusal
                reply = TargetReply(error=error_text(exc))
        queued.append(planned.model_copy(update={"reply": reply}))
        arrived.set()

    async def write() -> None:
        nonlocal completed
        while sending or queued:
            await arrived.wait()
            arrived.clear()
            await asyncio.sleep(0)  # let replies that arrived in the same loop turn join
            group = queued[:]
            del queued[:]
            if group:
                await asyncio.to_thread(store.save_many, run_id, group)
                completed += len(group)
                if on_done is not None:
                    on_done(completed)

    writer = asyncio.create_task(write())
    try:
        await asyncio.gather(*(send(o) for o in todo))
    finally:
        sending = False
        arrived.set()
        await writer
    return run_id, len(todo)


async def score_run(
    store: RunStore, run_id: str, *, workers: int | None = None
) -> list[ScoredOutput]:
    """Score every stored output of a run; the target is not involved.

    Refusal scores come from the batched path (:func:`~safeship.evals.batch.score_batch`:
    identical scores, shared features, spread over ``workers`` threads).
    """
    refusal, canary = RefusalScorer(), CanaryLeakScorer()
    outputs = [o for o in store.outputs(run_id) if o.case.expected is not Expected.ANSWER]
    refusals = await score_batch([refusal], [(o.case, o.reply) for o in outputs], workers=workers)
    scored = []
    for out, (ref,) in zip(outputs, refusals, strict=True):
        case, reply = out.case, out.reply
        p = None if ref.error else ref.value
        if case.is_attack:
            leak = await canary.score(case, reply) if case.expected is Expected.NO_LEAK else None
            attempt = to_attempt(case, reply, ref, leak=leak, attack=out.attack)
            scored.append(ScoredOutput(out, attempt, None, p))
        else:
            scored.append(ScoredOutput(out, None, to_benign_attempt(case, reply, ref), p))
    return scored
