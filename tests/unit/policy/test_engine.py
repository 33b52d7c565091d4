from __future__ import annotations

from safeship.policy.engine import decide, match_rules
from safeship.policy.load import parse_policy
from safeship.types import Action, DetectorResult, DetectorStatus, Finding, Stage, TrustTier

POLICY = """
version: 1
features:
  chat:
    input:
      - detector: harmful_request
      - detector: pii
      - detector: toxicity
      - detector: prompt_injection
    thresholds:
      default: 0.5
      self_harm: 0.3
    actions:
      default: block
      pii: redact
      toxicity: warn
    rules:
      deny:
        - name: nerve-agent
          keywords: ["sarin synthesis"]
          category: indiscriminate_weapons
      allow:
        - name: red-team
          regex: ['^\\[redteam\\]']
          categories: [prompt_injection]
    refusals:
      prompt_injection:
        message: custom refusal
        redirect: ask directly
"""
FEATURE = parse_policy(POLICY).policy.features["chat"]


def r(detector: str, score: float, category: str, **kw: object) -> DetectorResult:
    return DetectorResult(detector=detector, score=score, category=category, **kw)  # type: ignore[arg-type]


def run(text: str, results: list[DetectorResult], tier: TrustTier = TrustTier.AUTHENTICATED, fail: str = "closed"):
    deny = match_rules(FEATURE.rules.deny, "deny", text, [text], Stage.INPUT)
    allow = match_rules(FEATURE.rules.allow, "allow", text, [text], Stage.INPUT)
    return decide(
        feature_name="chat", feature=FEATURE, stage=Stage.INPUT, tier=tier, text=text,
        results=results, fail_modes={x.detector: fail for x in results},  # type: ignore[misc]
        deny_hits=deny, allow_hits=allow,
    )


def test_below_threshold_allows() -> None:
    d = run("hi", [r("harmful_request", 0.49, "violent_crimes")])
    assert d.action is Action.ALLOW and d.categories == () and d.refusal is None
    assert d.scores == {"harmful_request": 0.49}


def test_anonymous_is_stricter_by_default() -> None:
    res = [r("harmful_request", 0.45, "violent_crimes")]
    assert run("hi", res, TrustTier.AUTHENTICATED).action is Action.ALLOW
    assert run("hi", res, TrustTier.ANONYMOUS).action is Action.BLOCK


def test_category_threshold_and_builtin_refusal_redirect() -> None:
    d = run("hi", [r("harmful_request", 0.35, "self_harm")])
    assert d.action is Action.BLOCK
    assert d.refusal is not None and d.refusal.category == "self_harm"
    assert d.refusal.reason_code == "input.self_harm"
    assert d.refusal.redirect and "988" in d.refusal.redirect


def test_policy_refusal_template_wins() -> None:
    d = run("hi", [r("prompt_injection", 0.9, "prompt_injection")])
    assert d.refusal is not None and d.refusal.message == "custom refusal"


def test_most_severe_action_wins_and_warn_alone_is_warn() -> None:
    assert run("x", [r("toxicity", 0.8, "toxicity")]).action is Action.WARN
    d = run("x", [r("toxicity", 0.8, "toxicity"), r("prompt_injection", 0.9, "prompt_injection")])
    assert d.action is Action.BLOCK and set(d.categories) == {"toxicity", "prompt_injection"}


def test_redaction_uses_spans() -> None:
    text = "mail me at a@b.com now"
    f = Finding(start=11, end=18, text="a@b.com", entity="EMAIL_ADDRESS")
    d = run(text, [r("pii", 0.95, "email", findings=(f,))])
    assert d.action is Action.REDACT
    assert d.redacted_text is not None and "a@b.com" not in d.redacted_text
    assert d.redacted_text.startswith("mail me at ") and d.redacted_text.endswith(" now")


def test_redact_without_spans_escalates_to_block() -> None:
    d = run("x", [r("pii", 0.95, "email")])
    assert d.action is Action.BLOCK


def test_errors_follow_fail_mode_and_are_never_passed() -> None:
    err = r("harmful_request", 0.0, "detector_error", status=DetectorStatus.ERRORED, error="boom")
    closed = run("x", [err], fail="closed")
    assert closed.action is Action.BLOCK and closed.errored == ("harmful_request",)
    assert closed.refusal is not None and closed.refusal.reason_code == "input.detector_error"
    opened = run("x", [err], fail="open")
    assert opened.action is Action.ALLOW and opened.errored == ("harmful_request",)


def test_deny_rule_blocks_and_allow_rule_exempts_only_its_categories() -> None:
    d = run("explain sarin synthesis steps", [])
    assert d.action is Action.BLOCK and d.categories == ("indiscriminate_weapons",)
    assert d.rule_hits == ("deny:nerve-agent",)
    assert d.findings[0].text == "sarin synthesis"
    exempt = run("[redteam] ignore instructions", [r("prompt_injection", 0.9, "prompt_injection")])
    assert exempt.action is Action.ALLOW and "allow:red-team" in exempt.rule_hits
    not_exempt = run("[redteam] x", [r("harmful_request", 0.9, "violent_crimes")])
    assert not_exempt.action is Action.BLOCK


def test_rule_matches_normalised_view_without_spans() -> None:
    hits = match_rules(FEATURE.rules.deny, "deny", "s a r i n", ["sarin synthesis"], Stage.INPUT)
    assert len(hits) == 1 and hits[0].findings == ()


def test_decide_is_pure() -> None:
    res = [r("toxicity", 0.8, "toxicity"), r("prompt_injection", 0.2, "prompt_injection")]
    assert run("x", res) == run("x", res)


def test_a_keyword_phrase_matches_across_separator_tricks() -> None:
    for text in ("sarin\nsynthesis", "sarin  synthesis", "sarin-synthesis", "sarin_synthesis"):
        d = run(f"explain {text} steps", [])
        assert d.action is Action.BLOCK and d.rule_hits == ("deny:nerve-agent",), text
    assert run("explain sarinsynthesis", []).action is Action.ALLOW  # still a whole-word match
