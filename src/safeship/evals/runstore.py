"""Where a run's outputs live: a small SQLite file, written before anything is scored.

Two tables. ``runs`` holds each run's configuration, package versions and seed, keyed by a
run id derived from that configuration, so repeating the same command finds the same run.
``outputs`` holds one row per attempt (the case as sent, which suite and attack produced it,
and the target's reply, errors included), committed as soon as the reply arrives. That order
is what makes runs resumable (an interrupted run skips stored attempts) and re-scorable (scorers
read outputs back and never call the model again). The stdlib ``sqlite3`` is enough: one
writer, an event loop's worth of rows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from safeship.errors import InputError
from safeship.evals.suite import Case
from safeship.evals.targets._base import TargetReply

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    config TEXT NOT NULL,
    versions TEXT NOT NULL,
    seed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outputs (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    attempt_id TEXT NOT NULL,
    suite TEXT NOT NULL,
    attack TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    case_json TEXT NOT NULL,
    reply_json TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (run_id, attempt_id)
);
"""


class RunRecord(BaseModel):
    """A stored run: what was asked for and with which software."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    created: float
    config: dict[str, Any]
    versions: dict[str, str]
    seed: int


class Output(BaseModel):
    """One persisted attempt: the case exactly as sent and the reply (or error) it got."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attempt_id: str
    suite: str
    attack: str
    ordinal: int
    case: Case
    reply: TargetReply


class RunStore:
    """A SQLite file of runs and their outputs (default ``DIR/runs.db``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # The runner commits from a worker thread so a disk sync never stalls the event
            # loop; it awaits each commit, so the connection is never used by two at once.
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable run store: {exc}") from exc

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_run(self, run_id: str, config: dict[str, Any], versions: dict[str, str]) -> bool:
        """Record a run unless it exists; True when it already did (the run resumes).

        The first recording wins: a resumed run keeps the versions it started with, so a report
        never claims software that produced none of its outputs.
        """
        if self.run(run_id) is not None:
            return True
        with self._db:
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
                (run_id, time.time(), _dumps(config), _dumps(versions), int(config["seed"])),
            )
        return False

    def run(self, run_id: str) -> RunRecord | None:
        """The stored run, or ``None``."""
        row = self._db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        return RunRecord(
            run_id=row[0],
            created=row[1],
            config=json.loads(row[2]),
            versions=json.loads(row[3]),
            seed=row[4],
        )

    def runs(self) -> list[RunRecord]:
        """Every stored run, oldest first."""
        ids = self._db.execute("SELECT run_id FROM runs ORDER BY created").fetchall()
        return [r for (run_id,) in ids if (r := self.run(run_id)) is not None]

    def done(self, run_id: str) -> set[str]:
        """Ids of the attempts already stored for ``run_id``."""
        rows = self._db.execute("SELECT attempt_id FROM outputs WHERE run_id = ?", (run_id,))
        return {r[0] for r in rows}

    def save(self, run_id: str, output: Output) -> None:
        """Persist one attempt now (committed), before it is scored."""
        self.save_many(run_id, [output])

    def save_many(self, run_id: str, outputs: Sequence[Output]) -> None:
        """Persist attempts in one committed transaction: one disk sync for the group."""
        now = time.time()
        rows = [
            (
                run_id,
                o.attempt_id,
                o.suite,
                o.attack,
                o.ordinal,
                o.case.model_dump_json(),
                o.reply.model_dump_json(),
                now,
            )
            for o in outputs
        ]
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def outputs(self, run_id: str) -> Iterator[Output]:
        """The stored attempts of a run in plan order."""
        rows = self._db.execute(
            "SELECT attempt_id, suite, attack, ordinal, case_json, reply_json FROM outputs "
            "WHERE run_id = ? ORDER BY ordinal",
            (run_id,),
        ).fetchall()
        for attempt_id, suite, attack, ordinal, case_json, reply_json in rows:
            yield Output(
                attempt_id=attempt_id,
                suite=suite,
                attack=attack,
                ordinal=ordinal,
                case=Case.model_validate_json(case_json),
                reply=TargetReply.model_validate_json(reply_json),
            )


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
