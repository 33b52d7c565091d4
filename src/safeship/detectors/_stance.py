"""Surface cues of a response's stance (refuse, redirect, comply), shared by output detectors.

A refusal is mostly decided in the first sentence or two, and what follows tells the three
outcomes apart: nothing (full refusal), a safe alternative (partial refusal) or the content
itself (compliance, e.g. "Sorry for the delay, here is..."). The n-gram models see words but not
*where* they are or how much text follows, so these few positional features complete them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from safeship.detectors.textmodel import CascadeModel, sigmoid
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.text.fast_regex import compile_guarded

HEAD_CHARS = 300
SCAN_CHARS = 4000
# What the sentence embedder sees of a response: the opening (where the stance is stated and
# what directly follows it) plus the ending. Bounding it keeps the embedding cost flat (~tens of
# tokens instead of 256 on long answers) and lets output detectors share one embedding per text.
EMBED_HEAD_CHARS = 480
EMBED_TAIL_CHARS = 240
_ELISION = "\n...\n"
WHOLE_VIEW_CHARS = EMBED_HEAD_CHARS + len(_ELISION) + EMBED_TAIL_CHARS
"""Texts up to this long are embedded whole by every output detector (and can share one vector)."""

# Refusal wording in English, French, Spanish, German and Chinese. The negative look-ahead keeps
# idioms that merely contain "I can't" ("I can't stress enough", "I can't wait") out.
_NOT_REFUSAL = (
    r"(?!\s*(?:stress|recommend|believe|wait|promise|resist|speak|guarantee|help but|thank"
    r"|emphasi[sz]e|overstate|tell you how (?:much|happy)|lie|bore|even|complain|deny|pretend"
    r"|sugar-?coat))"
)
_REFUSAL = compile_guarded(
    r"\b(?:i|we)\s*(?:can(?:no|'|’)?t|can not|won(?:'|’)t|will not|shan(?:'|’)t)\b"
    + _NOT_REFUSAL
    + r"|\bi(?:'|’)?m\s+(?:not\s+(?:able|going|allowed|permitted|comfortable|in a position)"
    r"|unable|afraid i)"
    r"|\bi\s+am\s+(?:not\s+(?:able|going|allowed|permitted)|unable)"
    r"|\bi\s+(?:must|have to|need to|will have to|(?:'|’)ll have to)\s+(?:decline|refuse|say no"
    r"|pass)"
    r"|\bi\s+(?:refuse|decline)\b|\bi(?:'|’)d rather not\b"
    r"|\bnot something i(?:(?:'|’)ll| can| do| will)\b"
    r"|\bwon(?:'|’)t (?:help|assist|provide|write|explain|give|share|create|walk|participate"
    r"|be (?:helping|providing|writing|able))\b"
    r"|\b(?:i|we)\s+(?:do not|don(?:'|’)t)\s+(?:assist|help|provide|engage|create|produce"
    r"|support|feel comfortable)\b"
    r"|\bi(?:'|’)ll (?:have to |need to |respectfully )?(?:pass|decline|say no|sit)\b"
    r"|\bi(?:'|’)m (?:declining|obligated to decline|really not|going to (?:have to )?"
    r"(?:decline|pass|say no|stop))\b|\bnot willing to\b"
    r"|\b(?:prevents?|prohibits?|forbids?|don(?:'|’)t (?:allow|let|permit)) me\b"
    r"|\brefuses? to (?:help|assist|chart|share|provide|write|explain|comply)\b"
    r"|\b(?:no help with|no can do|not happening|not going to happen|(?:gets|get) a no"
    r"|my answer (?:has to be|is) no|short answer: no|(?:i )?draw the line|off the table)\b"
    r"|\bi have to (?:stop|turn (?:this|it) down|refuse|sit)\b"
    r"|\bagainst (?:my|our|the) (?:usage |content )?(?:guidelines|policies|policy|programming)"
    r"|\bviolates? (?:my|our|the|openai(?:'|’)s) .{0,25}polic|\boff-limits\b"
    r"|\b(?:absolutely not|hard no|nope)\b|^\s*no[.!]"
    r"|\bje ne (?:peux|pourrai|vais) pas\b|\bje (?:refuse|dois refuser)\b"
    # "je ne suis pas" alone also opens disclaimers ("je ne suis pas médecin, mais voici...")
    r"|\bje ne suis pas (?:en mesure|autoris|capable|à l(?:'|’)aise|pr[êe]t)"
    r"|\bne (?:ferai|fournirai|vais) pas\b|\bdois d[ée]cliner\b|\bhors de question\b"
    r"|\bno (?:dar[ée]|lo puedo)\b|\bde ninguna manera\b|\bdebo declinar\b"
    r"|\bhelfe ich (?:grunds[äa]tzlich )?nicht\b|\bauf keinen fall\b"
    r"|\bnon (?:posso|sono in grado)\b|\bn[ãa]o posso\b|\bkan ik (?:je )?niet\b"
    r"|\bil m(?:'|’)est impossible\b|\bje pr[ée]f[èe]re ne pas\b|\bva à l(?:'|’)encontre\b"
    r"|\bno (?:puedo|voy a|estoy en condiciones)\b|\bme niego\b|\bprefiero no\b"
    r"|\btengo que rechazar\b|\bva en contra de\b"
    r"|\bkann (?:ich )?(?:dir |ihnen |euch )?(?:dabei |damit |hierbei )?(?:nicht|keine)\b"
    r"|\bich weigere mich\b|\bwerde ich nicht\b|\bablehnen\b|\bnicht in der lage\b"
    r"|\blieber nicht\b|\bverstößt gegen\b|\bgebe ich keine\b"
    r"|我不能|我无法|无法提供|不能提供|我拒绝",
    re.IGNORECASE | re.MULTILINE,
)
_ALTERNATIVE = compile_guarded(
    r"\b(?:instead|however|alternatively|that said|what i can|but i can|i can,? however"
    r"|but (?:if|you (?:can|could|might|may)|there (?:are|is)|a )"
    r"|i(?:'|’)d be (?:glad|happy) to help with|related|general|safer|legitimate|legal(?:ly)?"
    r"|en revanche|à la place|toutefois"
    r"|sin embargo|en su lugar|lo que sí|aquí tienes|stattdessen|was ich aber|hier (?:sind|ist))\b",
    re.IGNORECASE,
)
# Turning back to the content after a refusal ("Anyway, here's how:"), the jailbreak pattern.
_PIVOT = compile_guarded(
    r"\b(?:anyway|anyways|ignoring that|just kidding|between us|here it is anyway|the real answer"
    r"|now that (?:we(?:'|’)ve|the|that)|but since you|since you asked|okay,? fine|but fine"
    r"|that(?:'|’)s what i(?:'|’)m supposed to say|let(?:'|’)s ignore|hypothetically"
    r"|for (?:purely )?educational purposes|purely for educational|unofficially|if you insist"
    r"|here goes|just this once|you didn(?:'|’)t hear (?:it|this) from me|still,? here"
    r"|entre nous|entre nosotros|unter uns|(?:à titre|con fines) (?:é|e)ducati(?:f|vos)"
    r"|zu bildungszwecken|dicho esto|cela dit|trotzdem)\b",
    re.IGNORECASE,
)
# Two or more speaker tags at line starts ("ChatGPT: ... DAN: ..."): a persona may answer.
_SPEAKER = re.compile(r"^\s*(?:\[[^\]\n]{1,30}\]|\([^)\n]{1,30}\)|[\w .-]{1,25}:)", re.MULTILINE)
_COMPLY_OPEN = compile_guarded(
    # (a negation after the opener, "absolutely not" / "of course not", is a refusal)
    r"\b(?:sure|certainly|of course|absolutely)\b(?!\s*not\b)"
    r"|\b(?:here(?:'|’)?s|here is|here are|below is"
    r"|happy to help|no problem|bien sûr|voici|claro|aquí tienes|klar|hier ist|gern)\b",
    re.IGNORECASE,
)
_HOTLINE = compile_guarded(
    r"\b(?:hotline|helpline|crisis (?:line|text)|988|116 ?123|samaritans|emergency services"
    r"|mental health professional|3114|112|telefonseelsorge|línea de ayuda)\b",
    re.IGNORECASE,
)
_STRUCTURE = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+\S|^```", re.MULTILINE)
# Where the refusal clause ends: a sentence end, or a ", but" turn inside the sentence ("I can't
# help with that, but a locksmith can..." / "..., but since you insist, here's how"). The turn
# itself stays in the rest, where the alternative and pivot cues look for it.
_SENTENCE_END = re.compile(r"[.!?。！？\n]|(?=,\s*(?:but|mais|pero|aber)\b)")

FEATURE_NAMES = (
    "refusal_head",
    "refusal_any",
    "after_refusal_len",
    "alternative",
    "comply_open",
    "structure",
    "hotline",
    "pivot",
    "speakers",
    "last_turn_open",
)


@dataclass(frozen=True)
class StanceCues:
    """Cue vector plus where the first refusal phrase is (offsets into the scanned text)."""

    vector: np.ndarray
    refusal_span: tuple[int, int] | None


def stance_cues(text: str) -> StanceCues:
    """Compute the positional stance cues of ``text`` (scale ~[0, 1] each).

    Memoised on the scanned prefix: one output check asks three times for the same answer
    (``refusal``'s score and finding, ``harmful_response``), and the cues read nothing past
    ``SCAN_CHARS``. The returned vector is read-only, since callers share it.
    """
    return _cues(text[:SCAN_CHARS])


@lru_cache(maxsize=256)
def _cues(scan: str) -> StanceCues:
    match = _REFUSAL.search(scan)
    head = 1.0 if match is not None and match.start() < HEAD_CHARS else 0.0
    after_len = 0.0
    alternative = 0.0
    pivot = 0.0
    if match is not None:
        end = _SENTENCE_END.search(scan, match.end())
        rest = scan[end.end() if end else match.end() :]
        after_len = min(1.0, math.log1p(len(rest.strip())) / 8.0)
        alternative = 1.0 if _ALTERNATIVE.search(rest) else 0.0
        pivot = 1.0 if _PIVOT.search(rest) else 0.0
    vector = np.array(
        [
            head,
            1.0 if match is not None else 0.0,
            after_len,
            alternative,
            1.0 if _COMPLY_OPEN.search(scan[:HEAD_CHARS]) else 0.0,
            min(len(_STRUCTURE.findall(scan)), 5) / 5.0,
            1.0 if _HOTLINE.search(scan) else 0.0,
            pivot,
            1.0 if len(_SPEAKER.findall(scan)) >= 2 else 0.0,
        ],
        dtype=np.float64,
    )
    turns = list(_SPEAKER.finditer(scan))
    # With two or more speaker turns ("ChatGPT: ... DAN: ..."), what matters is whether the last
    # persona also refuses; a linear combiner cannot build that interaction from the other cues.
    last_open = 0.0
    if len(turns) >= 2:
        last = scan[turns[-1].end() : turns[-1].end() + HEAD_CHARS]
        last_open = 0.0 if _REFUSAL.search(last) else 1.0
    vector = np.append(vector, last_open)
    vector.flags.writeable = False
    span = (match.start(), match.end()) if match is not None else None
    return StanceCues(vector=vector, refusal_span=span)


@dataclass(frozen=True)
class Combiner:
    """Logistic layer over ``[cascade logit, stance cues...]``, stored in the artefact's meta."""

    coef: np.ndarray
    intercept: float

    @classmethod
    def from_meta(cls, meta: dict[str, Any], key: str, path: Path) -> Combiner:
        """Read the combiner named ``key`` from a model's meta block."""
        block = meta.get(key)
        if not isinstance(block, dict):
            raise ArtefactError(f"{path}: missing {key!r} block")
        return cls(np.asarray(block["coef"], dtype=np.float64), float(block["intercept"]))

    def prob(self, z: float, cues: np.ndarray) -> float:
        """P(positive) for one text."""
        x = np.concatenate([[z], cues])
        return float(sigmoid(np.asarray(x @ self.coef + self.intercept)))


def embed_view(text: str) -> str:
    """The bounded part of ``text`` that is embedded: its opening and, if long, its ending."""
    if len(text) <= WHOLE_VIEW_CHARS:
        return text  # also makes the function idempotent
    return f"{text[:EMBED_HEAD_CHARS]}{_ELISION}{text[-EMBED_TAIL_CHARS:]}"


def banded_logit(model: CascadeModel, text: str, features: FeatureCache) -> float:
    """Cascade logit of one text whose embedding stage sees only :func:`embed_view`.

    Stage 1 reads ``text``; only when its probability falls in the model's uncertain band (and an
    embedder is configured) is the bounded view embedded and stacked, so confident answers cost
    no embedding at all.
    """
    z1 = float(model.stage1_logits(features.hashed([text]))[0])
    if not (model.has_stage2 and features.has_embedder):
        return z1
    p1 = float(sigmoid(np.asarray(z1)))
    lo, hi = model.band
    if not lo <= p1 <= hi:
        return z1
    z2 = float(model.stage2_logits(features.embeddings([embed_view(text)]))[0])
    w1, w2, b = model.stack
    return w1 * z1 + w2 * z2 + b
