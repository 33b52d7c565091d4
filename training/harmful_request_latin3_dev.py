"""Judge ``harmful_request``'s Latin-script multilingual path, round 3: a class-balanced head.

Round 2 (``training/harmful_request_latin_dev.py``) was rejected: the head raised harmful recall
in the eight gate languages from 0.225 to 0.787, but flagged plain everyday Dutch and Polish
with near certainty. Its rows in those languages are 1,428 harmful to 621 benign (AILuminate's
1,176 French rows are all harmful), where English rows are 4,484 to 9,022: the head learnt that
not-English leans harmful. Round 2 also paid +5.7 ms per routed text for a USE embedding that
``prompt_injection`` computes for the same text in the same check.

**Candidate** (fixed before training and before the blind set exists; one only):

- Gate: unchanged from round 2 (``reads_as_use_language(view, latin_only=True)``).
- Rows: round 2's, plus the 820 benign everyday questions of
  ``injection_multilingual_benign_v6a/b.jsonl`` (our own, written for the injection model, in
  16 languages) as benign rows; dev-set texts dropped as in round 2.
- Balance: rows are weighted (``sample_weight``) so that among the rows the gate routes, the
  harmful rows weigh half the benign ones, English's own ratio; every other row weighs 1.
  The three heads and the fixed choice on the trainer's test bucket are as in rounds 1-2.
- Cost: USE embeddings become a per-check memo on the ``FeatureCache`` (like MiniLM's), so
  ``prompt_injection`` and ``harmful_request`` embed a routed text once between them.

Blind set: ``harmful_request_latin_v20_dev.jsonl``, written by a helper session that saw none of
our data (the v19 rows included): part A, the eight gate languages x (10 harmful, 8 everyday,
10 sensitive); part B, ro, ca, sv, cs, hu, fi x (4, 4, 4).

**Adoption rule** (written 2026-11-28, session 10, before the head was retrained and before the
blind set was copied into the repository or read). On by default only if all hold, against the
shipped detector (``multilingual: false``):

1. Part A: harmful recall at 0.5 rises by at least 25 points.
2. Part A: benign rows flagged at 0.4 no more than the shipped detector flags.
3. Part B: benign rows flagged at 0.4 no more than the shipped detector flags.
4. English dev sets (round 2's four, English rows): at most 1% routed, at most 2 rows change
   side of 0.4.
5. Non-Latin rows of ``harmful_request_multilingual_v14_dev``: no score changes.
6. Starter suite (``examples/policies/support_chat.yaml``, anonymous, input): no benign prompt
   newly blocked, no harmful prompt newly let through.
7. Cost, now measured where users pay it: the default guard's input check
   (``src/safeship/policies/default.yaml``) on part A's routed texts costs at most 2 ms more at
   p50 with the path than without it; no English text is embedded by USE; the default guard's
   RSS stays under 500 MB. (Round 2's figure, the detector alone, is printed too.)

Reported, not judged: part B's recall; the v19 set (seen) under the same clauses 1-3.

**Outcome: rejected** (one run of ``python -m training.harmful_request_latin3_dev``; the MLP head
was chosen, criterion 0.738 against 0.556 / 0.521; routed harmful rows weigh 0.344 each):

1. part A harmful recall at 0.5: 0.250 -> **0.600** (de, it, pt 7-8 of 10; nl 6, pl 5, tr 2;
   fr 10 -> 7): PASS;
2. part A benign flagged at 0.4: 21 -> **14** of 144 (fr 11 -> 2, pt 3 -> 0; nl 0 -> 4, pl
   0 -> 5): PASS;
3. part B benign flagged at 0.4: 0 -> **1** of 48 (one Czech everyday question): FAIL;
4. English: 0 of 871 routed, 0 changed: PASS;
5. non-Latin rows of v14: 0 of 132 changed: PASS;
6. starter: benign blocked 9 -> 8, but ``el-c4`` (voting documents in France) newly blocked, as
   in round 2: FAIL;
7. cost: the default guard's input check on the 189 routed part A texts went 6.52 -> 5.87 ms at
   p50 (the routed text skips the English cascade's MiniLM stage and reuses prompt_injection's
   USE embedding; the detector alone, 0.39 -> 5.11 ms), no English text embedded; but RSS read
   507 MB: FAIL as measured. That reading was wrong: the probe used ``ru_maxrss``, which Linux
   carries over ``execve`` from the forked parent, so it reported this script's own size. The
   probe now reads ``VmHWM``: 263 MB for the default guard with the path, the same as without.
   The verdict stands on clauses 3 and 6 alone.

Seen v19 set: part A recall 0.225 -> 0.700, benign 13 -> 11; part B benign 2 -> 3.

So the path stays an opt-in (``params: {multilingual: true}``), now with this head and the
Latin scope as the default scope: against round 1's opt-in it trades some recall for half the
false flags, and it never touches English or non-Latin text.
"""

from __future__ import annotations

from pathlib import Path

from safeship.detectors.harmful_request import HarmfulRequestDetector, HarmfulRequestParams
from training.harmful_request_latin_dev import (
    blind_clauses,
    blind_parts,
    english_clause,
    non_latin_clause,
)
from training.harmful_request_use_dev import probe_rss_mb
from training.injection_messages_dev import scores
from training.rule_report import p50_ms, print_verdicts
from training.starter_check import starter_unchanged

BLIND = "harmful_request_latin_v20_dev.jsonl"
SEEN_BLIND = "harmful_request_latin_v19_dev.jsonl"
DEFAULT_POLICY = Path(__file__).resolve().parents[1] / "src/safeship/policies/default.yaml"
GUARD_ADDED_MS = 2.0
RSS_MB = 500


def _guards() -> tuple[object, object]:
    """The default guard without and with the path (the policy's params, nothing else)."""
    from safeship.guard import Guard
    from safeship.policy.load import parse_policy

    src = DEFAULT_POLICY.read_text(encoding="utf-8")
    entry = "      - detector: harmful_request\n"
    assert entry in src
    off = src.replace(entry, entry + "        params: {multilingual: false}\n", 1)
    on = src.replace(entry, entry + "        params: {multilingual: true}\n", 1)
    guards = Guard(parse_policy(off)), Guard(parse_policy(on))
    for g in guards:
        g.warmup()
    return guards


def main() -> None:
    judge(BLIND, (SEEN_BLIND,))


def judge(blind: str, seen_blinds: tuple[str, ...]) -> bool:
    """Run the seven clauses on ``blind``; report ``seen_blinds``; print and return the verdict."""
    from safeship.guard import Guard, GuardContext

    shipped = HarmfulRequestDetector(HarmfulRequestParams(multilingual=False))
    candidate = HarmfulRequestDetector(
        HarmfulRequestParams(multilingual=True, multilingual_scripts="latin")
    )
    verdicts: dict[str, bool] = {}

    texts_a = blind_clauses(blind, shipped, candidate, verdicts)

    passed, embedded_english = english_clause(shipped, candidate)
    verdicts["4 English routed <= 1%, changed <= 2"] = passed
    verdicts["5 non-Latin unchanged"] = non_latin_clause(shipped, candidate)

    verdicts["6 starter: none newly blocked or let through"] = starter_unchanged(
        "harmful_request", {"multilingual": False}, {"multilingual": True}
    )

    routed_a = [t for t in texts_a if candidate._routed(t)]
    off, on = _guards()
    assert isinstance(off, Guard) and isinstance(on, Guard)
    g0 = p50_ms(lambda t: off.check_input(t, GuardContext()), routed_a, repeat=3)
    g1 = p50_ms(lambda t: on.check_input(t, GuardContext()), routed_a, repeat=3)
    d0 = p50_ms(lambda t: scores(shipped, [t], "user"), routed_a, repeat=3)
    d1 = p50_ms(lambda t: scores(candidate, [t], "user"), routed_a, repeat=3)
    rss = probe_rss_mb()
    print(
        f"7. cost on part A's routed texts ({len(routed_a)}): default guard input check p50 "
        f"{g0:.2f} -> {g1:.2f} ms (+{g1 - g0:.2f}); detector alone {d0:.2f} -> {d1:.2f} ms "
        f"(reported); English texts embedded {embedded_english}; RSS {rss} MB"
    )
    verdicts["7 cost"] = g1 - g0 <= GUARD_ADDED_MS and embedded_english == 0 and rss <= RSS_MB

    for seen in seen_blinds:
        _, (sa0, sa1, sba0, sba1), (_, _, sbb0, sbb1) = blind_parts(seen, shipped, candidate)
        print(
            f"seen {seen} (reported only): part A recall {sa0:.3f} -> {sa1:.3f}, benign "
            f"{sba0} -> {sba1}; part B benign {sbb0} -> {sbb1}"
        )
    return print_verdicts(verdicts)


if __name__ == "__main__":
    main()
