"""SQLAlchemy 2.x implementation of :class:`~safeship.store.base.Store` for SQLite and PostgreSQL.

SQLite (a file path) is the default: WAL journal so readers never block the writer, and a short
``busy_timeout`` so a locked database fails a write quickly instead of stalling the sink's thread
(the sink buffers and retries). PostgreSQL is for production: give a ``postgresql://`` URL
(the psycopg 3 driver is selected for you). Writes are idempotent on ``event_id``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from safeship.store import migrations as m
from safeship.store.base import PurgeResult
from safeship.store.events import DecisionEvent, UserReport
from safeship.types import Action

_INSERTS: dict[str, Callable[[sa.Table], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def _url(target: str | Path) -> str:
    text = str(target)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser()}"
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    return text


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """``value`` with every string made storable: NUL and lone surrogates become U+FFFD.

    Why: callers' text is stored as sent, and PostgreSQL rejects NUL in text while SQLite's
    driver cannot encode a lone surrogate; either would fail the whole batch it rides in, so a
    caller could erase the audit record of their own blocked attempts with one odd character.
    """
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value) if _UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SqlStore:
    """Decisions and reports in SQLite or PostgreSQL.

    Args:
        target: A file path (SQLite) or a database URL.
        busy_timeout_ms: SQLite only: how long a write waits for a lock before failing.
        connect_timeout_s: PostgreSQL only: how long connecting may take.

    Nothing connects in the constructor: migrations run on first use (or an explicit
    :meth:`migrate` at start-up), so a store built while the database is down starts working
    when the database comes back, and the sink's retries get there on their own.
    """

    def __init__(
        self,
        target: str | Path,
        *,
        busy_timeout_ms: int = 250,
        connect_timeout_s: int = 2,
    ) -> None:
        self._migrated = False
        self._lock = threading.Lock()
        url = _url(target)
        if url.startswith("sqlite"):
            self.engine = sa.create_engine(url)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        elif url.startswith("postgresql"):
            self.engine = sa.create_engine(
                url, pool_pre_ping=True, connect_args={"connect_timeout": connect_timeout_s}
            )
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)

    def migrate(self) -> list[str]:
        """Apply pending migrations (see :mod:`safeship.store.migrations`)."""
        with self._lock:
            names = m.migrate(self.engine)
            self._migrated = True
        return names

    def _ready(self) -> None:
        if not self._migrated:
            self.migrate()

    def _insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        self._ready()
        make = _INSERTS.get(self.engine.dialect.name)
        if make is None:  # no ON CONFLICT here: plain insert, duplicates raise
            with self.engine.begin() as conn:
                conn.execute(sa.insert(table), rows)
            return len(rows)
        stmt = (
            make(table)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        )
        with self.engine.begin() as conn:
            # RETURNING counts the rows really inserted; executemany rowcounts are unreliable
            inserted = conn.execute(stmt, rows).all()
        return len(inserted)

    def write_decisions(self, events: Sequence[DecisionEvent]) -> int:
        """See :class:`~safeship.store.base.Store`."""
        rows = [
            {**storable(e.model_dump(mode="json")), "created_at": _utc(e.created_at)}
            for e in events
        ]
        return self._insert(m.decisions, rows)

    def write_reports(self, reports: Sequence[UserReport]) -> int:
        """See :class:`~safeship.store.base.Store`."""
        rows = [{**storable(r.model_dump()), "created_at": _utc(r.created_at)} for r in reports]
        return self._insert(m.reports, rows)

    def recent_decisions(
        self,
        tenant: str,
        *,
        limit: int = 100,
        feature: str | None = None,
        action: Action | None = None,
        since: datetime | None = None,
    ) -> list[DecisionEvent]:
        """See :class:`~safeship.store.base.Store`."""
        t = m.decisions
        query = sa.select(t).where(t.c.tenant == tenant)
        if feature is not None:
            query = query.where(t.c.feature == feature)
        if action is not None:
            query = query.where(t.c.action == action.value)
        if since is not None:
            query = query.where(t.c.created_at >= _utc(since))
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        return self._decisions(query)

    def decisions_for_request(self, tenant: str, request_id: str) -> list[DecisionEvent]:
        """See :class:`~safeship.store.base.Store`."""
        t = m.decisions
        query = (
            sa.select(t)
            .where(t.c.tenant == tenant, t.c.request_id == request_id)
            .order_by(t.c.created_at, t.c.id)
        )
        return self._decisions(query)

    def _decisions(self, query: sa.Select[Any]) -> list[DecisionEvent]:
        self._ready()
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            DecisionEvent.model_validate(
                {k: v for k, v in row.items() if k != "id"}
                | {"created_at": _utc(row["created_at"])}
            )
            for row in rows
        ]

    def recent_reports(self, tenant: str, *, limit: int = 100) -> list[UserReport]:
        """See :class:`~safeship.store.base.Store`."""
        t = m.reports
        query = (
            sa.select(t)
            .where(t.c.tenant == tenant)
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(limit)
        )
        self._ready()
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            UserReport.model_validate(
                {k: v for k, v in row.items() if k != "id"}
                | {"created_at": _utc(row["created_at"])}
            )
            for row in rows
        ]

    def purge(self, older_than: datetime) -> PurgeResult:
        """See :class:`~safeship.store.base.Store`."""
        cutoff = _utc(older_than)
        self._ready()
        with self.engine.begin() as conn:
            d = conn.execute(sa.delete(m.decisions).where(m.decisions.c.created_at < cutoff))
            r = conn.execute(sa.delete(m.reports).where(m.reports.c.created_at < cutoff))
        return PurgeResult(decisions=d.rowcount, reports=r.rowcount)

    def ping(self) -> bool:
        """See :class:`~safeship.store.base.Store`."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        """See :class:`~safeship.store.base.Store`."""
        self.engine.dispose()


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect
