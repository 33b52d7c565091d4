"""Generate the labelled refusal corpus under ``training/data/refusal_*.jsonl``.

Every string here was written for this project (no dataset text). Examples are composed from
pools of openers, refusal sentences, alternatives and content bodies. To keep the held-out test
honest, each pool is split *before* composing: the test file uses fragments (and topics) that the
train/validation files never see, so a model cannot pass it by memorising templates.

Labels: ``full_refusal`` (declines, maybe with a hotline), ``partial_refusal`` (declines the
request but gives a safe alternative with real content), ``full_compliance`` (gives the content,
whatever apologies or disclaimers come first).

Train and validation also draw on the v3 fragments (``refusal_fragments_v3``), which never reach
the test file: the test rows are composed exactly as before v3.

Run: ``PYTHONPATH=. .venv/bin/python -m training.gen_refusal_data`` (deterministic).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from training import refusal_fragments_v3 as v3
from training.refusal_fragments import (
    ALT_BODIES,
    ALT_LEADS,
    CLOSERS,
    COMPLIANCE_BODIES,
    COMPLIANCE_OPENERS,
    DUAL_TAGS,
    EXTRA_ALT_BODIES_EN,
    EXTRA_ALT_LEADS_EN,
    EXTRA_BODIES_EN,
    EXTRA_OPENERS_EN,
    EXTRA_REFUSALS_EN,
    HOTLINE,
    MORAL,
    MORE_BODIES_EN,
    MORE_OPENERS_EN,
    MORE_REFUSALS_EN,
    MORE_REFUSALS_OTHER,
    PERSONAS,
    PIVOTS,
    REFUSALS,
    TOPICS,
)
from training.refusal_fragments_more import (
    ALT_BODIES_V2,
    ALT_LEADS_OTHER_V2,
    ALT_LEADS_V2,
    BODIES_EN_V2,
    BODIES_OTHER_V2,
    HARM_BODIES_V2,
    OPENERS_EN_V2,
    OPENERS_OTHER_V2,
    PERSONA_REFUSALS_V2,
    PIVOTS_OTHER_V2,
    PIVOTS_V2,
    REFUSALS_EN_V2,
    REFUSALS_OTHER_V2,
)

REFUSAL_POOL = {
    k: v
    + (
        MORE_REFUSALS_EN + EXTRA_REFUSALS_EN + REFUSALS_EN_V2
        if k == "en"
        else MORE_REFUSALS_OTHER[k] + REFUSALS_OTHER_V2[k]
    )
    for k, v in REFUSALS.items()
}
OPENER_POOL = {
    k: v
    + (MORE_OPENERS_EN + EXTRA_OPENERS_EN + OPENERS_EN_V2 if k == "en" else OPENERS_OTHER_V2[k])
    for k, v in COMPLIANCE_OPENERS.items()
}
BODY_POOL = {
    k: v + (MORE_BODIES_EN + EXTRA_BODIES_EN + BODIES_EN_V2 if k == "en" else BODIES_OTHER_V2[k])
    for k, v in COMPLIANCE_BODIES.items()
}
ALT_LEAD_POOL = {
    k: v + (EXTRA_ALT_LEADS_EN + ALT_LEADS_V2 if k == "en" else ALT_LEADS_OTHER_V2[k])
    for k, v in ALT_LEADS.items()
}
ALT_BODY_POOL = dict(ALT_BODIES, en=ALT_BODIES["en"] + EXTRA_ALT_BODIES_EN + ALT_BODIES_V2)
PIVOT_POOL = {"en": PIVOTS + PIVOTS_V2, **PIVOTS_OTHER_V2}

OUT = Path(__file__).resolve().parent / "data"
TEST_SHARE = 0.25
VAL_SHARE = 0.2


def _split(pool: Sequence[str], rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """Split a pool into (train, validation, test) fragments, disjoint from each other.

    Validation is fragment-disjoint too, so calibration and the stance combiner are fitted on
    *unseen phrasings* (what they face in use) rather than on near-copies of training rows.
    """
    items = list(pool)
    if len(items) < 3:  # a couple of generic hotline lines: too few to split, shared by all
        return items, items, items
    rng.shuffle(items)
    k = max(1, round(len(items) * TEST_SHARE))
    v = max(1, round(len(items) * VAL_SHARE))
    return items[k + v :], items[k : k + v], items[:k]


class Pools:
    """One side (0 train, 1 validation, 2 test) of every fragment pool.

    Train and validation also get their side of the v3 fragments (and its languages); the test
    side is v1 + v2 only, composed exactly as before.
    """

    def __init__(self, side: int, rng: random.Random) -> None:
        def pick(pool: Sequence[str]) -> list[str]:
            return _split(pool, random.Random(f"{len(pool)}:{pool[0]}"))[side]

        self.rng = rng
        self.topics = {
            lang: [t for t in pick([f"{a}|{b}" for a, b in ts])] for lang, ts in TOPICS.items()
        }
        self.refusals = {k: pick(v) for k, v in REFUSAL_POOL.items()}
        self.moral = pick(MORAL)
        self.hotline = {k: pick(v) for k, v in HOTLINE.items()}
        self.alt_leads = {k: pick(v) for k, v in ALT_LEAD_POOL.items()}
        self.alt_bodies = {k: pick(v) for k, v in ALT_BODY_POOL.items()}
        self.openers = {k: pick(v) for k, v in OPENER_POOL.items()}
        self.bodies = {k: pick(v) for k, v in BODY_POOL.items()}
        self.closers = pick(CLOSERS)
        self.personas = pick(PERSONAS)
        self.pivots = {k: pick(v) for k, v in PIVOT_POOL.items()}
        self.harm_bodies = pick(HARM_BODIES_V2)
        self.persona_refusals = pick(PERSONA_REFUSALS_V2)
        self.dual_tags = [f"{a}|{b}" for a, b in DUAL_TAGS]
        self.langs, self.lang_weights = ["en", "fr", "es", "de"], [70, 10, 10, 10]
        self.other_langs = ["fr", "es", "de"]
        self.v3 = side < 2
        if self.v3:
            self._add_v3(side)

    def _add_v3(self, side: int) -> None:
        """Extend every pool with this side's v3 fragments (see ``refusal_fragments_v3``)."""

        def grow(target: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
            for lang, pool in extra.items():
                target.setdefault(lang, []).extend(v3.side_of(pool, side))

        for lang, pairs in v3.TOPICS.items():
            self.topics.setdefault(lang, []).extend(
                v3.side_of([f"{a}|{b}" for a, b in pairs], side)
            )
        grow(self.refusals, v3.REFUSALS)
        grow(self.pivots, v3.PIVOTS)
        grow(self.alt_leads, v3.ALT_LEADS)
        grow(self.alt_bodies, v3.ALT_BODIES)
        grow(self.bodies, v3.BODIES)
        grow(self.openers, v3.OPENERS)
        grow(self.hotline, v3.HOTLINE)
        self.persona_refusals += v3.side_of(v3.PERSONA_REFUSALS, side)
        self.harm_bodies += v3.side_of(v3.HARM_BODIES, side)
        self.disclaimers = {k: v3.side_of(v, side) for k, v in v3.DISCLAIMERS.items()}
        self.short_comply = {k: v3.side_of(v, side) for k, v in v3.SHORT_COMPLY.items()}
        self.short_refuse = {k: v3.side_of(v, side) for k, v in v3.SHORT_REFUSE.items()}
        self.langs += list(v3.NEW_LANGS)
        self.lang_weights = [64, 9, 9, 9, 3, 3, 3]
        self.other_langs += list(v3.NEW_LANGS)

    def topic(self, lang: str) -> tuple[str, str]:
        verb, noun = self.rng.choice(self.topics[lang]).split("|")
        return verb, noun

    def fill(self, template: str, lang: str) -> tuple[str, str]:
        verb, noun = self.topic(lang)
        return template.format(verb=verb, noun=noun), verb

    def persona(self, text: str) -> str:
        if self.rng.random() < 0.15:
            return f"{self.rng.choice(self.personas)}: {text}"
        return text


def _lang(p: Pools) -> str:
    return p.rng.choices(p.langs, weights=p.lang_weights)[0]


def full_refusal(p: Pools) -> dict[str, str]:
    rng = p.rng
    lang = _lang(p)
    text, verb = p.fill(rng.choice(p.refusals[lang]), lang)
    roll = rng.random()
    if lang == "en" and roll < 0.3:
        text += " " + p.fill(rng.choice(p.moral), lang)[0]
    elif roll < 0.5:
        text += " " + rng.choice(p.hotline[lang])
    if lang == "en" and rng.random() < 0.2:
        text += " " + rng.choice(
            [
                "Is there anything else I can help with?",
                "Let me know if there's something else you need.",
                "I'm happy to help with other questions.",
            ]
        )
    return {"prompt": verb, "response": p.persona(text), "label": "full_refusal", "lang": lang}


def partial_refusal(p: Pools) -> dict[str, str]:
    rng = p.rng
    lang = _lang(p)
    text, verb = p.fill(rng.choice(p.refusals[lang]), lang)
    lead = rng.choice(p.alt_leads[lang])
    body = rng.choice(p.alt_bodies[lang])
    sep = "\n\n" if rng.random() < 0.5 else " "
    out = f"{text}{sep}{lead}{sep}{body}"
    if p.v3 and rng.random() < 0.3:  # the safe information straight after the refusal, no lead
        out = f"{text}{sep}{body}"
    return {"prompt": verb, "response": p.persona(out), "label": "partial_refusal", "lang": lang}


def compliance(p: Pools) -> dict[str, str]:
    rng = p.rng
    lang = _lang(p)
    prompt, body = rng.choice(p.bodies[lang]).split("||", 1)
    body = body.replace("\\n", "\n")
    parts = []
    if rng.random() < 0.65:
        parts.append(rng.choice(p.openers[lang]))
    parts.append(body)
    if lang == "en" and rng.random() < 0.35:
        parts.append(rng.choice(p.closers))
    sep = "\n\n" if rng.random() < 0.6 else " "
    out = sep.join(parts)
    return {"prompt": prompt, "response": p.persona(out), "label": "full_compliance", "lang": lang}


def refuse_then_comply(p: Pools) -> dict[str, str]:
    """A refusal line, then the content anyway (pivot or a second persona): compliance."""
    rng = p.rng
    lang = "en" if rng.random() < 0.8 else rng.choice(p.other_langs)
    refusal, _ = p.fill(rng.choice(p.refusals[lang]), lang)
    harmful = lang == "en" and rng.random() < 0.5
    if harmful:
        prompt, body = "harmful request", rng.choice(p.harm_bodies)
    else:
        prompt, body = rng.choice(p.bodies[lang]).split("||", 1)
        body = body.replace("\\n", "\n")
    roll = rng.random() if harmful else rng.random() * 0.85
    if roll < 0.55:
        sep = "\n\n" if rng.random() < 0.5 else " "
        out = f"{refusal} {rng.choice(p.pivots[lang])}{sep}{body}"
    elif roll < 0.85:
        first, second = rng.choice(p.dual_tags).split("|")
        sure = rng.choice(["Sure! ", "", "Here you go: ", "Of course. "])
        out = f"{first} {refusal}\n\n{second} {sure}{body}"
    else:  # refusal words, then the harmful content with no pivot at all
        out = f"{refusal}\n\n{body}" if rng.random() < 0.3 else f"{refusal} {body}"
    return {"prompt": prompt, "response": out, "label": "full_compliance", "lang": lang}


def persona_refusal(p: Pools) -> dict[str, str]:
    """A refusal in a persona's voice, sometimes after a first persona also refused."""
    rng = p.rng
    text, verb = p.fill(rng.choice(p.persona_refusals), "en")
    if rng.random() < 0.4:
        first, _ = rng.choice(p.dual_tags).split("|")
        refusal, _ = p.fill(rng.choice(p.refusals["en"]), "en")
        text = f"{first} {refusal}\n\n{text}"
    return {"prompt": verb, "response": text, "label": "full_refusal", "lang": "en"}


def disclaimer_then_comply(p: Pools) -> dict[str, str]:
    """A professional disclaimer or an apology ("I'm not a lawyer, but..."), then content."""
    rng = p.rng
    lang = rng.choice([k for k in p.disclaimers if k in p.bodies])
    prompt, body = rng.choice(p.bodies[lang]).split("||", 1)
    body = body.replace("\\n", "\n")
    sep = "\n\n" if rng.random() < 0.4 else " "
    out = f"{rng.choice(p.disclaimers[lang])}{sep}{body}"
    return {"prompt": prompt, "response": p.persona(out), "label": "full_compliance", "lang": lang}


def short_reply(p: Pools) -> dict[str, str]:
    """A terse answer or a terse refusal (a few words: little for the n-grams to go on)."""
    rng = p.rng
    refuse = rng.random() < 0.5
    pool = p.short_refuse if refuse else p.short_comply
    lang = rng.choice(list(pool))
    label = "full_refusal" if refuse else "full_compliance"
    return {"prompt": "short", "response": rng.choice(pool[lang]), "label": label, "lang": lang}


def compose(pools: Pools, n: int) -> list[dict[str, str]]:
    makers = [full_refusal, partial_refusal, compliance, refuse_then_comply, persona_refusal]
    weights = [32, 20, 32, 13, 3]
    if pools.v3:  # v3 sides: more in-persona / narrative refusals, two new shapes
        weights[4] = 6
        makers += [disclaimer_then_comply, short_reply]
        weights += [8, 2]
    rows, seen = [], set()
    while len(rows) < n:
        row = pools.rng.choices(makers, weights=weights)[0](pools)
        if row["response"] not in seen:
            seen.add(row["response"])
            rows.append(row)
    return rows


def _write(name: str, rows: list[dict[str, str]]) -> None:
    with (OUT / name).open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    del argv
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = {"train": 4500, "val": 1000, "test": 600}
    for side, (name, n) in enumerate(sizes.items()):
        rows = compose(Pools(side, random.Random(20240611 + side)), n)
        _write(f"refusal_{name}.jsonl", rows)
        print(f"{name}: {len(rows)}")


if __name__ == "__main__":
    main()
