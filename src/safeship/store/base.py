"""The ``Store`` protocol: what the gateway, the sink and the admin API need from storage.

Every read takes the tenant as a required argument and returns only that tenant's rows: there
is no query that spans tenants, so one tenant cannot read another's decisions by mistake. The
only cross-tenant operation is :meth:`Store.purge`, the operator's retention job.

Methods are synchronous (SQLAlchemy with a sync driver); async callers run them in a worker
thread (``await asyncio.to_thread(store.recent_decisions, tenant)``), as the sink does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from safeship.store.events import DecisionEvent, UserReport
from safeship.types import Action


class PurgeResult(BaseModel):
    """How many rows a retention purge removed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decisions: int
    reports: int


@runtime_checkable
class Store(Protocol):
    """Persistent decisions and user reports, scoped by tenant."""

    def migrate(self) -> list[str]:
        """Apply pending schema migrations; returns the names applied now."""
        ...

    def write_decisions(self, events: Sequence[DecisionEvent]) -> int:
        """Store events in one transaction (already-stored ``event_id``s are skipped)."""
        ...

    def write_reports(self, reports: Sequence[UserReport]) -> int:
        """Store user reports in one transaction (already-stored ``event_id``s are skipped)."""
        ...

    def recent_decisions(
        self,
        tenant: str,
        *,
        limit: int = 100,
        feature: str | None = None,
        action: Action | None = None,
        since: datetime | None = None,
    ) -> list[DecisionEvent]:
        """The tenant's newest decisions first, optionally filtered."""
        ...

    def decisions_for_request(self, tenant: str, request_id: str) -> list[DecisionEvent]:
        """The tenant's decisions of one request (input, output, shadow), oldest first."""
        ...

    def recent_reports(self, tenant: str, *, limit: int = 100) -> list[UserReport]:
        """The tenant's newest reports first."""
        ...

    def purge(self, older_than: datetime) -> PurgeResult:
        """Delete decisions and reports created before ``older_than`` (retention)."""
        ...

    def ping(self) -> bool:
        """True when the database answers (for ``/readyz``)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
