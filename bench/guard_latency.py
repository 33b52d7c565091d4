"""Guard latency, side by side with a DeBERTa-v3-base classifier, in one run.

What it prints:
- the full default input check (every input detector of ``policies/default.yaml``) on real chat
  turns of at most 2,000 characters, pinned to one core: p50 / p90 / p99 per check, and
  sequential throughput; the same for the output check;
- per-detector p50, and how often the embedding stage of the cascade ran;
- a DeBERTa-v3-base sequence classifier (random weights from a config: timing only) on a sample of
  the same texts, one thread, and the speed ratio;
- RSS of the process with the default guard loaded (before torch is imported; no pandas), and
  the time of ``import safeship`` in a fresh interpreter.

Run: ``python -m bench.guard_latency [--n 400] [--deberta-n 20]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bench.quality.common import data_dir  # noqa: E402


def chat_turns(n: int, seed: int = 0) -> list[str]:
    """Benign and adversarial chat turns (<= 2,000 chars) from several public sets (timing only)."""
    data = data_dir()
    texts: list[str] = []
    for name in ("mt_bench_question.jsonl", "vicuna_bench_question.jsonl"):
        for line in (data / "mtbench_vicuna_questions" / name).read_text().splitlines():
            turns = json.loads(line).get("turns") or [json.loads(line).get("text", "")]
            texts.extend(t for t in turns if t)
    sources = (("xstest/xstest_prompts.csv", "prompt"), ("injection_slabs/test.csv", "text"))
    for path, column in sources:
        with (data / path).open(newline="", encoding="utf-8") as handle:
            texts += [row[column] for row in csv.DictReader(handle) if row.get(column)]
    rng = random.Random(seed)
    rng.shuffle(texts)
    return [t[:2000] for t in texts[:n]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_guard(texts: list[str]) -> dict[str, object]:
    from safeship.guard import Guard

    guard = Guard.default()
    t0 = time.perf_counter()
    guard.warmup()
    load_s = time.perf_counter() - t0
    for t in texts[:20]:
        guard.check_input(t)
    per_check, per_detector = [], {}
    for t in texts:
        s = time.perf_counter()
        d = guard.check_input(t)
        per_check.append((time.perf_counter() - s) * 1000)
        for name, ms in d.timings_ms.items():
            per_detector.setdefault(name, []).append(ms)
    s = time.perf_counter()
    for t in texts:
        guard.check_input(t)
    throughput = len(texts) / (time.perf_counter() - s)
    out_times = []
    for t in texts[:200]:
        s = time.perf_counter()
        guard.check_output([{"role": "user", "content": "hi"}], t)
        out_times.append((time.perf_counter() - s) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    guard.close()
    return {
        "load_s": load_s,
        "input_ms": per_check,
        "output_ms": out_times,
        "per_detector": {k: statistics.median(v) for k, v in per_detector.items()},
        "throughput": throughput,
        "rss_mb": rss_mb,
        "torch_imported": "torch" in sys.modules,
    }


def time_deberta(texts: list[str]) -> list[float] | None:
    try:
        import torch
        from transformers import DebertaV2Config, DebertaV2ForSequenceClassification
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = DebertaV2ForSequenceClassification(DebertaV2Config(num_labels=2)).eval()
    times = []
    with torch.inference_mode():
        for t in texts:
            n_tokens = max(4, min(512, len(t) // 4))  # ~4 characters per token
            ids = torch.randint(5, 1000, (1, n_tokens))
            s = time.perf_counter()
            model(input_ids=ids, attention_mask=torch.ones_like(ids))
            times.append((time.perf_counter() - s) * 1000)
    return times


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import safeship; print(time.perf_counter() - t)"
    cmd = [sys.executable, "-c", code]
    runs = [float(subprocess.check_output(cmd, text=True)) for _ in range(3)]
    return min(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--deberta-n", type=int, default=20)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = chat_turns(args.n)
    ours = time_guard(texts)
    deberta = time_deberta(texts[: args.deberta_n])
    imp = import_time()

    inp, outp = ours["input_ms"], ours["output_ms"]
    assert isinstance(inp, list) and isinstance(outp, list)
    print(f"\nGuard latency on one core, {len(texts)} chat turns (<= 2,000 chars)")
    print(f"{'':38}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}")
    for label, values in (("full default input check", inp), ("full default output check", outp)):
        cols = "".join(f"{pct(values, q):>10.2f}" for q in (0.5, 0.9, 0.99))
        print(f"{label:38}{cols}")
    per_det = ours["per_detector"]
    assert isinstance(per_det, dict)
    for name, ms in per_det.items():
        print(f"  {name:36}{ms:>10.3f}")
    print(f"sequential throughput: {ours['throughput']:.0f} input checks/s")
    if deberta:
        ours_p50 = statistics.median(inp[: len(deberta)])
        ratio = statistics.median(deberta) / max(1e-9, ours_p50)
        print(
            f"{'DeBERTa-v3-base classifier (1 thread)':38}{pct(deberta, 0.5):>10.1f}"
            f"{pct(deberta, 0.9):>10.1f}{pct(deberta, 0.99):>10.1f}"
        )
        print(
            f"speed ratio (DeBERTa p50 / full guard p50 on the same texts): {ratio:.0f}x  "
            f"(floor: >= 20x)"
        )
    else:
        print("DeBERTa comparison skipped: install safeship[hf] (transformers, torch==2.13.0)")
    print(
        f"RSS with the default guard loaded: {ours['rss_mb']:.0f} MB (floor: < 500 MB); "
        f"torch imported by the guard: {ours['torch_imported']}"
    )
    print(
        f"import safeship: {imp * 1000:.0f} ms (floor: < 500 ms); "
        f"detector load {ours['load_s']:.2f} s"
    )
    floors = {
        "p50 <= 3 ms": pct(inp, 0.5) <= 3.0,
        "p99 <= 25 ms": pct(inp, 0.99) <= 25.0,
        "RSS < 500 MB": float(ours["rss_mb"]) < 500,  # type: ignore[arg-type]
        "import < 0.5 s": imp < 0.5,
    }
    print("floors: " + ", ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in floors.items()))


if __name__ == "__main__":
    main()
