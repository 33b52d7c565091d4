from safeship.store.events import DecisionEvent, UserReport
from safeship.types import Action, Decision, Finding, Stage, TrustTier

TEXT = "mail bob@example.com, key hunter2"


def decision() -> Decision:
    return Decision(
        action=Action.REDACT,
        stage=Stage.INPUT,
        feature="chat",
        tier=TrustTier.AUTHENTICATED,
        categories=("pii",),
        scores={"pii": 0.95},
        findings=(Finding(start=5, end=20, text="bob@example.com", entity="EMAIL_ADDRESS"),),
        timings_ms={"pii": 1.5},
        policy_version="v7",
    )


def hide_hunter(text: str) -> str:
    return text.replace("hunter2", "[SECRET]")


def test_event_from_decision_redacts_findings_then_redactor() -> None:
    event = DecisionEvent.from_decision(
        decision(), request_id="r1", tenant="acme", text=TEXT, redactor=hide_hunter,
        bucket=42, arm="candidate", latencies_ms={"total": 9.0},
    )
    assert event.text == "mail [EMAIL], key [SECRET]"
    assert not event.text_is_raw
    assert (event.action, event.policy_version, event.bucket, event.arm) == (Action.REDACT, "v7", 42, "candidate")
    assert event.latencies_ms == {"pii": 1.5, "total": 9.0}
    assert event.scores == {"pii": 0.95} and event.categories == ("pii",)
    assert "bob@example.com" not in repr(event) and "[EMAIL]" not in repr(event)


def test_raw_text_only_when_opted_in_and_no_text_when_none() -> None:
    raw = DecisionEvent.from_decision(decision(), request_id="r", tenant="t", text=TEXT, store_raw=True)
    assert raw.text == TEXT and raw.text_is_raw
    none = DecisionEvent.from_decision(decision(), request_id="r", tenant="t", redactor=hide_hunter)
    assert none.text is None and not none.text_is_raw


def test_each_event_gets_its_own_id() -> None:
    a = DecisionEvent.from_decision(decision(), request_id="r", tenant="t")
    b = DecisionEvent.from_decision(decision(), request_id="r", tenant="t")
    assert a.event_id != b.event_id


def test_report_text_is_redacted_and_hidden_from_repr() -> None:
    report = UserReport(request_id="r1", tenant="acme", reason="harmful", text="my pw hunter2")
    assert "hunter2" not in repr(report)
    assert report.redacted(hide_hunter).text == "my pw [SECRET]"
