"""``guard_fingerprint``: a changed policy or detector model file gives a new guarded run id."""

from __future__ import annotations

from pathlib import Path

from safeship.evals.fingerprint import MODELS_DIR, guard_fingerprint


def test_fingerprint_follows_policy_and_model_files(tmp_path: Path) -> None:
    policy, models = tmp_path / "p.yaml", tmp_path / "models"
    (models / "sub").mkdir(parents=True)
    policy.write_text("version: 1\n")
    (models / "a.npz").write_bytes(b"weights-1")
    (models / "sub" / "b.onnx").write_bytes(b"graph")
    first = guard_fingerprint(policy, models)
    assert first == guard_fingerprint(policy, models) and len(first) == 12
    (models / "a.npz").write_bytes(b"weights-2")
    retrained = guard_fingerprint(policy, models)
    assert retrained != first
    policy.write_text("version: 1\n# edited\n")
    edited = guard_fingerprint(policy, models)
    assert edited not in (first, retrained)
    (models / "sub" / "b.onnx").rename(models / "b.onnx")  # same bytes, other place
    assert guard_fingerprint(policy, models) != edited


def test_shipped_models_are_hashed() -> None:
    assert any(p.suffix == ".npz" for p in MODELS_DIR.iterdir())
