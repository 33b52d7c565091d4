"""bench.pasted_documents: its baseline is the same policy with only the weighting turned off."""

from __future__ import annotations

from bench.pasted_documents import POLICIES, documents, fired, without_request_form

from safeship.guard import Guard
from safeship.types import Decision, DetectorResult, DetectorStatus, Stage, TrustTier


def test_the_baseline_turns_off_only_harmful_requests_weighting() -> None:
    for path in POLICIES:
        shipped, baseline = Guard.from_file(path).policy, without_request_form(path).policy
        for name, feature in shipped.features.items():
            other = baseline.features[name]
            for a, b in zip(feature.input, other.input, strict=True):
                if a.detector == "harmful_request":
                    assert b.params == {**a.params, "request_form": False}
                else:
                    assert a == b
            assert feature.output == other.output


def test_a_layer_fires_at_the_policys_threshold_and_an_error_is_named() -> None:
    guard = Guard.from_file(POLICIES[0])
    results = (
        DetectorResult(detector="prompt_injection", score=0.5, category="prompt_injection"),
        DetectorResult(detector="toxicity", score=0.49, category="insult"),
        DetectorResult(
            detector="harmful_request",
            score=0.0,
            category="harmful_request",
            status=DetectorStatus.ERRORED,
        ),
    )
    decision = Decision(
        action="block",
        stage=Stage.INPUT,
        feature=guard.policy.default_feature,
        tier=TrustTier.AUTHENTICATED,
        results=results,
    )
    assert fired(guard, decision) == ["prompt_injection", "harmful_request(errored)"]


def test_documents_are_spread_over_the_kinds_and_leave_out_our_own_readme() -> None:
    docs = documents(30)
    assert len(docs) == 30
    assert {d.kind for d in docs} >= {"readme", "source"}
    assert all(d.name != "readme/safeship" for d in docs)
