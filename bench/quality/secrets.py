"""Quality floors of the ``secrets`` detector: entity-level precision and recall, and latency.

Run: ``HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python -m bench.quality.secrets``.

The set is generated on the fly by ``training._secret_testset`` (seeded fake keys with each
provider's shape in realistic contexts, plus look-alikes: UUIDs, git SHAs, placeholders,
env-var references, base64 images, non-JSON "JWTs"). No public data set holds labelled live
credentials, which is as it should be. Matching rules are those of ``bench.quality.pii``.
"""

from __future__ import annotations

from pathlib import Path

from training._secret_testset import secret_examples

from bench.quality.common import Row, data_dir
from bench.quality.pii import TYPICAL, latency_row, print_rows, synthetic_row
from safeship.detectors.secrets import SecretsDetector

NAME = "secrets"
WITH_KEY = TYPICAL[:250] + " token: ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2


def evaluate(data: Path) -> list[Row]:
    """Secrets rows: own generated set (floors) and latency (no data set needed)."""
    det = SecretsDetector()
    det.setup()
    rows = [synthetic_row(det, NAME, secret_examples(), lambda entity: True)]
    rows.append(latency_row(det, NAME, {"typical": TYPICAL, "with_key": WITH_KEY[:300]}, 0.1))
    return rows


if __name__ == "__main__":
    print_rows(evaluate(data_dir()))
