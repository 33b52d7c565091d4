"""The numbers a run is judged by: what ``report.json`` holds and the launch gate reads.

Overall and per category, ``attack_success_rate`` and ``over_refusal_rate``, each a ``Rate``
(``value``, ``n``, ``ci_low``, ``ci_high``, plus ``k`` and ``errors``), and the suites that were
run with their versions. Keeping this summary a small frozen model lets the gate stay a pure
function and lets a baseline be any earlier run's ``report.json``.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from safeship.evals.metrics import (
    Attempt,
    BenignAttempt,
    Method,
    Rate,
    asr_by_attack,
    asr_by_category,
    attack_success_rate,
    over_refusal_by_category,
    over_refusal_rate,
)
from safeship.evals.suite import Suite


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SuiteRef(_Frozen):
    """A suite by name and content version, so a gate can require it and a diff can spot edits."""

    name: str
    version: str


class RateSet(_Frozen):
    """The two headline rates; ``None`` when the run had no cases of that kind here."""

    attack_success_rate: Rate | None = None
    over_refusal_rate: Rate | None = None


class RunSummary(_Frozen):
    """Headline rates overall, per category and per attack transform."""

    suites: tuple[SuiteRef, ...] = ()
    overall: RateSet
    categories: dict[str, RateSet] = {}
    attacks: dict[str, Rate] = {}

    def suite_names(self) -> frozenset[str]:
        """Names of the suites this run covered."""
        return frozenset(s.name for s in self.suites)


def summarise(
    attempts: Iterable[Attempt],
    benign: Iterable[BenignAttempt],
    suites: Iterable[Suite] = (),
    method: Method = "wilson",
) -> RunSummary:
    """Compute every headline rate of a run from its scored attempts."""
    attacks, kind = list(attempts), list(benign)
    asr = asr_by_category(attacks, method)
    orr = over_refusal_by_category(kind, method)
    categories = {
        c: RateSet(attack_success_rate=asr.get(c), over_refusal_rate=orr.get(c))
        for c in sorted(set(asr) | set(orr))
    }
    overall = RateSet(
        attack_success_rate=attack_success_rate(attacks, method) if attacks else None,
        over_refusal_rate=over_refusal_rate(kind, method) if kind else None,
    )
    return RunSummary(
        suites=tuple(SuiteRef(name=s.name, version=s.version) for s in suites),
        overall=overall,
        categories=categories,
        attacks=asr_by_attack(attacks, method),
    )
