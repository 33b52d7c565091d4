"""The training-time embedding memo: same vectors as the embedder, reused, never stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from training.embed_cache import FingerprintedMemo

from safeship.features.embedding import DEFAULT_MODEL_DIR, MODEL_FILE
from safeship.testing.ci import in_ci

pytestmark = pytest.mark.skipif(
    not (DEFAULT_MODEL_DIR / MODEL_FILE).exists() and not in_ci(), reason="MiniLM not exported"
)

TEXTS = [
    "How do I kill a zombie process?",
    "Thanks, that fixed it.",
    "How do I kill a zombie process?",
]


def test_memo_matches_embedder_and_is_reused_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "memo.npz"
    first = FingerprintedMemo(path)
    vectors = first(TEXTS)
    assert np.allclose(vectors, first.embedder.embed(TEXTS), atol=1e-6)
    assert len(first.memo) == 2  # the repeated text is embedded once
    second = FingerprintedMemo(path)
    assert len(second.memo) == 2

    def fail(texts: list[str]) -> np.ndarray:
        raise AssertionError(f"re-embedded {texts}")

    second.embedder = type("NoEmbed", (), {"embed": staticmethod(fail)})()  # type: ignore[assignment]
    assert np.array_equal(second.embed(TEXTS), vectors)


def test_memo_from_another_export_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "memo.npz"
    np.savez(
        path,
        keys=np.array(["0" * 40]),
        vecs=np.zeros((1, 384), dtype=np.float32),
        fingerprint=np.array("another-export"),
    )
    memo = FingerprintedMemo(path)
    assert memo.memo == {}
    assert "another MiniLM export" in capsys.readouterr().err
