from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from safeship.store import migrations
from safeship.store.events import DecisionEvent, UserReport
from safeship.store.sql import SqlStore
from safeship.types import Action, Stage, TrustTier

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def event(tenant: str = "acme", request_id: str = "r1", age_days: float = 0, **kw: object) -> DecisionEvent:
    return DecisionEvent.model_validate(
        {
            "request_id": request_id,
            "tenant": tenant,
            "feature": "chat",
            "tier": TrustTier.AUTHENTICATED,
            "stage": Stage.INPUT,
            "action": Action.BLOCK,
            "categories": ("jailbreak",),
            "scores": {"prompt_injection": 0.97},
            "latencies_ms": {"total": 3.2},
            "bucket": 17,
            "arm": "candidate",
            "policy_version": "v2",
            "text": "ignore all rules",
            "created_at": NOW - timedelta(days=age_days),
        }
        | kw
    )


def test_sqlite_uses_wal_and_records_named_migrations_once(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    assert store.migrate() == ["create_decisions", "create_reports"]
    assert store.migrate() == []
    assert migrations.applied(store.engine) == [(1, "create_decisions"), (2, "create_reports")]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert store.ping()
    store.close()


def test_a_migration_left_half_done_on_sqlite_completes_on_the_next_start(tmp_path: Path) -> None:
    """SQLite commits DDL at once: a step that failed after its table (a lock, a crash) must
    not leave "table already exists" forever, which stopped telemetry for good."""
    store = SqlStore(tmp_path / "half.db")
    with store.engine.begin() as conn:  # what the failed first attempt left: a table, no index, no row
        migrations.decisions.create(conn)
        for index in migrations.decisions.indexes:
            index.drop(conn)
    assert store.migrate() == ["create_decisions", "create_reports"]
    with store.engine.connect() as conn:
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("decisions")}
    assert names == {ix.name for ix in migrations.decisions.indexes}
    assert store.write_decisions([event()]) == 1
    store.close()


def test_round_trip_and_idempotent_writes(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    e = event()
    assert store.write_decisions([e]) == 1
    assert store.write_decisions([e]) == 0  # a retried batch is not stored twice
    [back] = store.recent_decisions("acme")
    assert back == e
    store.close()


def test_every_read_is_scoped_to_its_tenant(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    store.write_decisions([event("acme", "r1"), event("globex", "r1"), event("globex", "r2")])
    store.write_reports([UserReport(request_id="r1", tenant="globex", reason="wrong_block")])
    assert {e.tenant for e in store.recent_decisions("acme")} == {"acme"}
    assert len(store.recent_decisions("globex")) == 2
    assert [e.tenant for e in store.decisions_for_request("acme", "r1")] == ["acme"]
    assert store.decisions_for_request("acme", "r2") == []
    assert store.recent_reports("acme") == []
    assert [r.request_id for r in store.recent_reports("globex")] == ["r1"]
    store.close()


def test_filters_and_newest_first(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    store.write_decisions(
        [event(request_id="old", age_days=2), event(request_id="new", action=Action.ALLOW), event(request_id="mid", age_days=1)]
    )
    assert [e.request_id for e in store.recent_decisions("acme")] == ["new", "mid", "old"]
    assert [e.request_id for e in store.recent_decisions("acme", limit=1)] == ["new"]
    assert [e.request_id for e in store.recent_decisions("acme", action=Action.ALLOW)] == ["new"]
    since = store.recent_decisions("acme", since=NOW - timedelta(hours=36))
    assert [e.request_id for e in since] == ["new", "mid"]
    store.close()


def test_reports_link_to_their_decisions(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    store.write_decisions([event(request_id="r9", stage=Stage.INPUT), event(request_id="r9", stage=Stage.OUTPUT)])
    store.write_reports([UserReport(request_id="r9", tenant="acme", reason="harmful", text="bad answer")])
    [report] = store.recent_reports("acme")
    linked = store.decisions_for_request(report.tenant, report.request_id)
    assert [d.stage for d in linked] == [Stage.INPUT, Stage.OUTPUT]
    store.close()


def test_retention_purge_removes_only_old_rows(tmp_path: Path) -> None:
    store = SqlStore(tmp_path / "t.db")
    store.write_decisions([event(request_id="old", age_days=40), event(request_id="new", age_days=1)])
    store.write_reports(
        [
            UserReport(request_id="old", tenant="acme", reason="x", created_at=NOW - timedelta(days=40)),
            UserReport(request_id="new", tenant="acme", reason="x", created_at=NOW),
        ]
    )
    result = store.purge(NOW - timedelta(days=30))
    assert (result.decisions, result.reports) == (1, 1)
    assert [e.request_id for e in store.recent_decisions("acme")] == ["new"]
    assert [r.request_id for r in store.recent_reports("acme")] == ["new"]
    store.close()
