"""A fingerprint of what a guard decides with: its policy file and the shipped detector models.

Why: a run's id is the hash of its configuration, so rerunning the same configuration resumes it.
For a guarded run the policy file alone is not enough: retraining a detector changes the guard's
decisions without touching the policy, and resuming would then report the old guard's results
as the new one's. Hashing the model files too makes a changed detector start a fresh run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


def guard_fingerprint(policy: Path, models: Path = MODELS_DIR) -> str:
    """12 hex digits over the policy's bytes and every file under ``models`` (names and bytes)."""
    digest = hashlib.sha256(policy.read_bytes())
    for path in sorted(p for p in models.rglob("*") if p.is_file()):
        digest.update(path.relative_to(models).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
