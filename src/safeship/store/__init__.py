"""The telemetry store: typed events, a tenant-scoped ``Store``, SQL backends, a batching sink.

Runtime flow: decision -> :class:`DecisionEvent` (text redacted) -> :class:`TelemetrySink`
(non-blocking, batching, retrying) -> :class:`SqlStore` (SQLite by default, PostgreSQL).
"""

from safeship.store.base import PurgeResult, Store
from safeship.store.events import DecisionEvent, Redactor, UserReport, default_redactor, redact_text
from safeship.store.sink import SinkStats, TelemetrySink
from safeship.store.sql import SqlStore

__all__ = [
    "DecisionEvent",
    "PurgeResult",
    "Redactor",
    "SinkStats",
    "SqlStore",
    "Store",
    "TelemetrySink",
    "UserReport",
    "default_redactor",
    "redact_text",
]
