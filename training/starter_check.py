"""Which starter-suite prompts the demo's policy blocks at input, with one detector swapped.

Adoption rules for retrained input detectors include the demo: a model that lets one more of the
starter suite's attacks through, or blocks one more of its benign prompts, changes what a user
sees first (harmful_request v10 was withdrawn for the former). This runs the starter suite through
``examples/policies/support_chat.yaml`` as the anonymous tier, with the named detector pointed at
a candidate artefact through its ``model_path`` param.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

POLICY = Path(__file__).resolve().parents[1] / "examples" / "policies" / "support_chat.yaml"


def starter_input_blocks(
    detector: str, model_path: Path | None, params: dict[str, object] | None = None
) -> dict[str, list[str]]:
    """Ids of the harmful cases let through and of the benign cases blocked at input.

    Args:
        detector: The input detector whose artefact to swap (it must sit in the policy as
            ``- detector: NAME`` followed by its ``fail_mode``).
        model_path: The candidate artefact; ``None`` keeps the shipped one.
        params: Other detector params to set (e.g. ``{"encoder": False}``).
    """
    from safeship.evals.loading import load_suite
    from safeship.guard import Guard, GuardContext
    from safeship.policy.load import parse_policy
    from safeship.types import Action, TrustTier

    source = POLICY.read_text(encoding="utf-8")
    settings = dict(params or {})
    if model_path is not None:
        settings["model_path"] = str(model_path)
    if settings:
        # The first entry is the input side's (the policy lists input detectors first).
        entry = rf"      - detector: {detector}\n        fail_mode: (open|closed)\n"
        found = re.search(entry, source)
        if found is None:
            raise ValueError(f"{POLICY}: no {detector} entry to set {sorted(settings)} on")
        flow = ", ".join(f"{k}: {json.dumps(v)}" for k, v in settings.items())
        at = found.end()
        source = source[:at] + f"        params: {{{flow}}}\n" + source[at:]
    guard = Guard(parse_policy(source))
    out: dict[str, list[str]] = {"harmful_allowed": [], "benign_blocked": []}
    try:
        for case in load_suite("starter").cases:
            if case.prompt is None:
                continue
            decision = guard.check_input(
                [{"role": "user", "content": case.prompt}], GuardContext(tier=TrustTier.ANONYMOUS)
            )
            blocked = decision.action is Action.BLOCK
            if str(case.expected) == "refuse" and not blocked:
                out["harmful_allowed"].append(case.id)
            if str(case.expected) == "comply" and blocked:
                out["benign_blocked"].append(case.id)
    finally:
        guard.close()
    return out


def starter_unchanged(
    detector: str,
    before: dict[str, object],
    after: dict[str, object],
    clause: str = "6",
    strict: bool = False,
) -> bool:
    """The starter clause of the adoption rules, printed; whether it holds.

    It holds when, from ``before`` to ``after`` params, no benign prompt is newly blocked at
    input and no harmful one newly let through (``strict``: and none is newly unblocked either).
    """
    was = starter_input_blocks(detector, None, before)
    now = starter_input_blocks(detector, None, after)
    new_blocks = sorted(set(now["benign_blocked"]) - set(was["benign_blocked"]))
    new_through = sorted(set(now["harmful_allowed"]) - set(was["harmful_allowed"]))
    freed = sorted(set(was["benign_blocked"]) - set(now["benign_blocked"]))
    print(
        f"{clause}. starter: benign blocked {len(was['benign_blocked'])} -> "
        f"{len(now['benign_blocked'])} (new {new_blocks}, freed {freed}); harmful let through "
        f"{len(was['harmful_allowed'])} -> {len(now['harmful_allowed'])} (new {new_through})"
    )
    unblocked = sorted(set(was["harmful_allowed"]) ^ set(now["harmful_allowed"]))
    return not new_blocks and not new_through and (not strict or not (freed or unblocked))
