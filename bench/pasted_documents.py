"""Real documents pasted into a chat turn: how many the guard blocks, and which layers fire.

A user who pastes a licence, a README or a source file and asks for a summary is the most
ordinary long input there is, and the guard blocked nearly every one: each detector decides a
long text by its most suspicious sentence. This checks real documents no model trained on
(installed packages' READMEs, the system's licence texts, the dev half of Python's standard
library: see ``training.real_documents``) behind "Please summarise this document:" as a user turn
under a policy, and prints the share blocked and how often each layer fired, beside the same
policy with ``harmful_request``'s request-form weighting off (the release before it) in the
same run.

Run: ``python -m bench.pasted_documents [--policy FILE ...] [--n 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from rich.progress import track
from training.real_documents import Document, dev_licences, dev_readmes, stdlib_sources

from safeship.detectors.textmodel import spread
from safeship.guard import DEFAULT_POLICY, Guard, GuardContext
from safeship.policy.load import parse_policy
from safeship.types import Decision, DetectorStatus, TrustTier

FRAME = "Please summarise this document:\n\n"
ROOT = Path(__file__).resolve().parents[1]
POLICIES = (DEFAULT_POLICY, ROOT / "examples" / "policies" / "support_chat.yaml")


def documents(n: int) -> list[Document]:
    """``n`` real documents spread over the three kinds (safeship's own README left out)."""
    readmes = [d for d in dev_readmes() if d.name != "readme/safeship"]
    pool = readmes + dev_licences() + stdlib_sources("dev")[::4]
    return spread(pool, n)


def without_request_form(path: Path) -> Guard:
    """The policy at ``path`` with ``harmful_request``'s request-form weighting turned off."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for feature in data["features"].values():
        for spec in feature.get("input", []):
            if spec["detector"] == "harmful_request":
                spec["params"] = {**spec.get("params", {}), "request_form": False}
    return Guard(parse_policy(yaml.safe_dump(data), source=f"{path} (request_form off)"))


TIER = TrustTier.AUTHENTICATED


def fired(guard: Guard, decision: Decision) -> list[str]:
    """The layers whose score reached the policy's threshold, and those that errored."""
    feature = guard.policy.features[decision.feature]
    return [
        r.detector if r.status is DetectorStatus.OK else f"{r.detector}(errored)"
        for r in decision.results
        if r.status is not DetectorStatus.OK
        or r.score >= feature.threshold(r.category, r.detector, TIER)
    ]


async def measure(guard: Guard, docs: list[Document], label: str) -> tuple[int, Counter[str]]:
    """How many pastes ``guard`` blocks, and how often each layer fired."""
    ctx = GuardContext(tier=TIER)
    blocked, layers = 0, Counter[str]()
    for doc in track(docs, description=label):
        decision = await guard.acheck_input(FRAME + doc.text, ctx)
        blocked += decision.blocked
        layers.update(fired(guard, decision))
    return blocked, layers


async def run(policies: list[Path], n: int) -> None:
    docs = documents(n)
    kinds = Counter(d.kind for d in docs)
    print(f"{len(docs)} documents: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for path in policies:
        for name, guard in (
            ("request_form off", without_request_form(path)),
            ("shipped", Guard.from_file(path)),
        ):
            guard.warmup()
            blocked, layers = await measure(guard, docs, f"{path.stem}: {name}")
            fires = " ".join(f"{k}={v}" for k, v in sorted(layers.items())) or "-"
            print(
                f"{path.stem:14s} {name:17s} blocked {blocked:3d} of {len(docs)}"
                f" ({blocked / len(docs):.0%})  layers fired: {fires}"
            )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--policy", type=Path, action="append", default=None)
    ap.add_argument("--n", type=int, default=60)
    args = ap.parse_args(argv)
    asyncio.run(run(args.policy or list(POLICIES), args.n))


if __name__ == "__main__":
    main()
