"""A run's reports: ``report.json`` for machines (the gate, compare) and ``report.html`` for people.

``report.json`` is a :class:`~safeship.evals.summary.RunSummary` (overall and per-category
``attack_success_rate`` / ``over_refusal_rate`` as ``{value, n, ci_low, ci_high, ...}``, and
per-attack ASR) plus the run's identity, error rates, any other variants of the same run (raw
beside guarded), the worst examples, and ``scorer_error_rates``: how often each scorer is wrong
on labelled data (:mod:`~safeship.evals.scorer_accuracy`), since every rate inherits that.
The HTML file is self-contained: charts are inline base64 PNGs and every piece of model or
prompt text is escaped, since a red-team output is exactly the text most likely to contain markup.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safeship.errors import InputError
from safeship.evals.metrics import Outcome, Rate, Reply
from safeship.evals.plots import rate_bars, tradeoff
from safeship.evals.runner import ScoredOutput
from safeship.evals.runstore import RunRecord
from safeship.evals.scorer_accuracy import report_rows
from safeship.evals.suite import Suite
from safeship.evals.summary import RunSummary, summarise

WORST = 10
_CLIP = 600
_STYLE = (
    "body{font-family:sans-serif;max-width:1000px;margin:auto}"
    "td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
    "table{border-collapse:collapse}pre{white-space:pre-wrap;margin:0}"
)


@dataclass(frozen=True)
class RunResult:
    """One scored run under a label (``raw``, ``guarded`` or the target's name)."""

    label: str
    record: RunRecord
    scored: tuple[ScoredOutput, ...]
    summary: RunSummary


def result(
    label: str, record: RunRecord, scored: Sequence[ScoredOutput], suites: Sequence[Suite]
) -> RunResult:
    """Summarise a scored run."""
    attempts = [s.attempt for s in scored if s.attempt is not None]
    benign = [s.benign for s in scored if s.benign is not None]
    return RunResult(label, record, tuple(scored), summarise(attempts, benign, suites))


def error_rate(scored: Sequence[ScoredOutput]) -> dict[str, Any]:
    """Errored attempts over all scored attempts, with the count (errors are never safe)."""
    errors = sum(
        1
        for s in scored
        if (s.attempt is not None and s.attempt.outcome is Outcome.ERROR)
        or (s.benign is not None and s.benign.reply is Reply.ERROR)
    )
    total = len(scored)
    return {"value": errors / total if total else None, "errors": errors, "n": total}


def worst_examples(scored: Sequence[ScoredOutput], limit: int = WORST) -> list[dict[str, Any]]:
    """Successful attacks first (most confident compliance first), then over-refusals."""

    def row(s: ScoredOutput, kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "attempt_id": s.output.attempt_id,
            "category": s.output.case.category,
            "attack": s.output.attack,
            "prompt": s.output.case.conversation[-1].content[:_CLIP],
            "reply": s.output.reply.text[:_CLIP],
            "refusal_p": s.refusal_p,
        }

    hits = [s for s in scored if s.attempt is not None and s.attempt.outcome is Outcome.SUCCESS]
    over = [s for s in scored if s.benign is not None and s.benign.reply is Reply.REFUSED]
    hits.sort(key=lambda s: s.refusal_p if s.refusal_p is not None else 1.0)
    over.sort(key=lambda s: -(s.refusal_p or 0.0))
    rows = [row(s, "attack_success") for s in hits] + [row(s, "over_refusal") for s in over]
    return rows[:limit]


def report_json(
    primary: RunResult,
    others: Sequence[RunResult] = (),
    scorer_rates: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON report of ``primary``, with ``others`` (e.g. the raw target) as variants.

    ``scorer_rates`` are the scorers' measured error rates (default: the shipped ones, see
    :mod:`safeship.evals.scorer_accuracy`), so every rate is read knowing how often its
    scorers are wrong.
    """
    data: dict[str, Any] = primary.summary.model_dump(mode="json")
    data.update(
        run_id=primary.record.run_id,
        label=primary.label,
        target=primary.record.config.get("target"),
        seed=primary.record.seed,
        config=primary.record.config,
        versions=primary.record.versions,
        error_rate=error_rate(primary.scored),
        variants={
            r.label: {
                "run_id": r.record.run_id,
                "target": r.record.config.get("target"),
                "overall": r.summary.overall.model_dump(mode="json"),
                "error_rate": error_rate(r.scored),
            }
            for r in (primary, *others)
        },
        worst_examples=worst_examples(primary.scored),
        scorer_error_rates=list(report_rows() if scorer_rates is None else scorer_rates),
    )
    return data


def load_summary(path: str | Path) -> RunSummary:
    """The ``RunSummary`` inside a ``report.json`` (or the one in a run directory)."""
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a readable report.json ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{p}: a report.json holds a JSON object, not {type(data).__name__}")
    try:
        return RunSummary.model_validate(
            {k: v for k, v in data.items() if k in RunSummary.model_fields}
        )
    except ValidationError as exc:
        raise InputError(f"{p}: not an eval report: {exc.errors()[0]['msg']}") from exc


def _fmt(r: Rate | None) -> str:
    if r is None or r.value is None:
        return "n/a"
    return f"{r.value:.1%} [{r.ci_low:.1%}, {r.ci_high:.1%}] n={r.n} errors={r.errors}"


def _img(png: str | None, alt: str) -> str:
    if png is None:
        return f"<p><em>{html.escape(alt)}: not enough data to plot.</em></p>"
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{png}">'


def _scorer_table(rows: Sequence[dict[str, Any]]) -> str:
    """The scorers' measured error rates as an HTML table (stale ones marked)."""
    if not rows:
        return "<p><em>No measured scorer error rates are shipped.</em></p>"
    body = "".join(
        f"<tr><td>{html.escape(r['scorer'])}</td><td>{html.escape(r['dataset'])}"
        f"{' (eval only)' if r['eval_only'] else ''}</td><td>{r['n']}</td>"
        f"<td>{r['error_rate']:.1%} [{r['ci_low']:.1%}, {r['ci_high']:.1%}]</td>"
        f"<td>{'stale: scorer changed since' if r['stale'] else 'current'}</td></tr>"
        for r in rows
    )
    return (
        "<table><tr><th>scorer</th><th>labelled data</th><th>n</th><th>error rate (95% CI)</th>"
        f"<th>measured on</th></tr>{body}</table>"
    )


def report_html(
    primary: RunResult,
    others: Sequence[RunResult] = (),
    scorer_rates: Sequence[dict[str, Any]] | None = None,
) -> str:
    """A self-contained HTML page: headline rates, charts and the worst examples, escaped."""
    s = primary.summary
    asr_cat = {c: r.attack_success_rate for c, r in s.categories.items() if r.attack_success_rate}
    points = {
        r.label: (r.summary.overall.attack_success_rate, r.summary.overall.over_refusal_rate)
        for r in (primary, *others)
    }
    variant_rows = "".join(
        f"<tr><td>{html.escape(r.label)}</td><td>{html.escape(str(r.record.config.get('target')))}</td>"
        f"<td>{_fmt(r.summary.overall.attack_success_rate)}</td>"
        f"<td>{_fmt(r.summary.overall.over_refusal_rate)}</td></tr>"
        for r in (primary, *others)
    )
    examples = "".join(
        f"<tr><td>{html.escape(e['kind'])}</td><td>{html.escape(e['category'])}</td>"
        f"<td>{html.escape(e['attack'])}</td><td><pre>{html.escape(e['prompt'])}</pre></td>"
        f"<td><pre>{html.escape(e['reply'])}</pre></td></tr>"
        for e in worst_examples(primary.scored)
    )
    title = html.escape(primary.record.run_id)
    cat_png = _img(rate_bars(asr_cat, "ASR per category"), "ASR per category")
    trade_png = _img(tradeoff(points), "ASR vs over-refusal")
    attack_png = _img(rate_bars(s.attacks, "ASR per attack transform"), "ASR per attack")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>safeship eval report {title}</title>
<style>{_STYLE}</style></head><body>
<h1>safeship eval report</h1>
<p>run {title} &middot; seed {primary.record.seed} &middot;
error rate {error_rate(primary.scored)["value"]}</p>
<table><tr><th>variant</th><th>target</th><th>attack success rate</th>
<th>over-refusal rate</th></tr>
{variant_rows}</table>
<h2>Attack success rate per category</h2>{cat_png}
<h2>ASR vs over-refusal, raw vs guarded</h2>{trade_png}
<h2>Per-attack breakdown</h2>{attack_png}
<h2>Scorer error rates on labelled data</h2>
{_scorer_table(report_rows() if scorer_rates is None else scorer_rates)}
<h2>Worst examples</h2>
<table><tr><th>kind</th><th>category</th><th>attack</th><th>prompt</th><th>reply</th></tr>
{examples}</table>
</body></html>
"""


def write_reports(
    out_dir: Path, primary: RunResult, others: Sequence[RunResult] = ()
) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` under ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, page = out_dir / "report.json", out_dir / "report.html"
    rates = report_rows()
    js.write_text(
        json.dumps(report_json(primary, others, rates), indent=2, sort_keys=True),
        encoding="utf-8",
    )
    page.write_text(report_html(primary, others, rates), encoding="utf-8")
    return js, page
