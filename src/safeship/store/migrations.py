"""Ordered, named schema migrations, recorded in a ``safeship_migrations`` table.

Hand-rolled rather than Alembic: the schema is two tables, the same migrations must run
in-process at start-up on SQLite and PostgreSQL, and a list of numbered functions with a
bookkeeping table needs no ``alembic.ini``/``env.py`` scaffolding or extra dependency. Each
migration runs in its own transaction with its bookkeeping row; on PostgreSQL a failed step
leaves nothing half-applied, and a transaction-level advisory lock serialises replicas starting
at once. SQLite's driver commits DDL statement by statement, so every step is also safe to run
again over a half-applied state (``checkfirst``; later steps must be too). Never change what a
shipped migration creates: append a new one.

The table objects below are the current shape, used by the queries; migration 0001 and 0002
create them as they were first shipped (later migrations must use explicit DDL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

metadata = sa.MetaData()

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),
    sa.Column("request_id", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("feature", sa.String(128), nullable=False),
    sa.Column("tier", sa.String(32), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("bucket", sa.Integer, nullable=True),
    sa.Column("arm", sa.String(16), nullable=False),
    sa.Column("policy_version", sa.String(128), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("errored", sa.JSON, nullable=False),
    sa.Column("latencies_ms", sa.JSON, nullable=False),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("text_is_raw", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_decisions_tenant_created", "tenant", "created_at"),
    sa.Index("ix_decisions_tenant_request", "tenant", "request_id"),
    sa.Index("ix_decisions_created", "created_at"),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),
    sa.Column("request_id", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_reports_tenant_created", "tenant", "created_at"),
    sa.Index("ix_reports_tenant_request", "tenant", "request_id"),
)

_bookkeeping = sa.Table(
    "safeship_migrations",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column(
        "applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)


@dataclass(frozen=True)
class Migration:
    """One schema step: a number that orders it, a name that says what it does."""

    id: int
    name: str
    apply: Callable[[sa.Connection], None]


def _create(table: sa.Table) -> Callable[[sa.Connection], None]:
    """Create ``table`` and its indexes, each only if missing.

    Why re-runnable: SQLite's driver commits each DDL statement on its own, so a step that
    fails after its table (a lock taken by another worker, a crash) left the table behind with
    no bookkeeping row, and every later attempt failed on "already exists": telemetry stopped
    for good. The resulting schema is the one first shipped.
    """

    def apply(conn: sa.Connection) -> None:
        table.create(conn, checkfirst=True)
        for index in table.indexes:
            index.create(conn, checkfirst=True)

    return apply


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create_decisions", _create(decisions)),
    Migration(2, "create_reports", _create(reports)),
)

_LOCK_KEY = 0x5AFE5417  # advisory lock id for PostgreSQL


def _lock(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def applied(engine: sa.Engine) -> list[tuple[int, str]]:
    """The (id, name) of every migration already applied, in order."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(_bookkeeping.name):
            return []
        rows = conn.execute(sa.select(_bookkeeping.c.id, _bookkeeping.c.name).order_by("id"))
        return [(row.id, row.name) for row in rows]


def migrate(engine: sa.Engine) -> list[str]:
    """Apply every pending migration in order; returns the names applied now."""
    with engine.begin() as conn:
        _lock(conn)
        _bookkeeping.create(conn, checkfirst=True)
    done: list[str] = []
    for step in MIGRATIONS:
        with engine.begin() as conn:
            _lock(conn)
            present = conn.execute(
                sa.select(_bookkeeping.c.id).where(_bookkeeping.c.id == step.id)
            ).first()
            if present is not None:
                continue
            step.apply(conn)
            conn.execute(sa.insert(_bookkeeping).values(id=step.id, name=step.name))
            done.append(step.name)
    return done
