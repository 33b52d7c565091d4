"""Toxicity: insults, threats, hate, harassment and sexual harassment, on inputs and outputs.

Three pieces, each doing what it is good at:

* a :class:`~safeship.detectors.toxicity_model.ToxicityModel` scores the text. Stage 1 (hashed
  n-grams) settles clear cases; a small MLP on MiniLM embeddings, stacked with stage 1, settles
  the uncertain band, which is where counter-speech, negation and neutral mentions of identity
  groups land, because word overlap alone cannot tell "X are vermin" from "saying X are vermin
  is vile".
* the model's embedding category head splits that score over sub-categories.
* a hashed profanity/slur lexicon marks offending tokens as spans and scores ``profanity``.
  It never raises the toxicity score itself: word lists over-flag (friendly swearing, anatomy),
  so profanity is reported as its own category for the policy to weigh.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from safeship.detectors._encoder_opinion import EncoderOpinion, EncoderParams, optional_opinion
from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.detectors.textmodel import CHUNK_CHARS, best_window, chunk_text, with_held_windows
from safeship.detectors.toxicity_model import ToxicityModel
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.types import DetectorResult, Finding

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = MODELS_DIR / "toxicity.npz"
DEFAULT_LEXICON = MODELS_DIR / "toxicity_lexicon.npz"
DEFAULT_ENCODER = MODELS_DIR / "toxicity_encoder"
MAX_TERM_WORDS = 5
MAX_STAGE2_WINDOWS = 4
CATEGORY_MIN_SCORE = 0.15
SEGMENT_CHARS = 120
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?\n]+|$)")
_WORD = re.compile(r"[\w@$*']+")


def segments(text: str) -> list[str]:
    """Units to score: the whole text if short, else sentences (grouped up to ``SEGMENT_CHARS``).

    A toxic sentence inside 2,500 characters of ordinary prose is diluted below any threshold
    by a bag-of-n-grams model, so long texts are scored per small segment (max over segments).
    Short texts keep their full context, which is what tells counter-speech from hate.
    """
    if len(text) <= CHUNK_CHARS:
        return [text]
    return [w for seg in sentence_groups(text) for w in chunk_text(seg)]


def sentence_groups(text: str) -> list[str]:
    """The text's sentences in order, grouped up to ``SEGMENT_CHARS`` (a long one stays whole)."""
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE.findall(text):
        if current and len(current) + len(sentence) > SEGMENT_CHARS:
            out.append(current)
            current = ""
        current += sentence
    if current.strip():
        out.append(current)
    return out


def _several_groups(text: str) -> list[str]:
    """A text's sentence groups when it has more than one (else none: it is its own window)."""
    groups = sentence_groups(text)
    return groups if len(groups) > 1 else []


def term_hash(term: str) -> int:
    """Hash of a lower-cased, single-spaced lexicon term (the lexicon ships only hashes)."""
    return zlib.crc32(" ".join(term.lower().split()).encode("utf-8"))


class ToxicityParams(EncoderParams):
    """Params of the toxicity detector.

    Attributes:
        model_path: Cascade artefact; defaults to the shipped ``toxicity.npz``.
        lexicon_path: Hashed lexicon artefact; defaults to the shipped ``toxicity_lexicon.npz``.
        max_findings: Cap on reported spans, so a 1 MB rant yields a bounded result.
        encoder, encoder_dir: The fine-tuned second opinion (see ``EncoderParams``).
        short_segments_over: In a text longer than this and up to ``CHUNK_CHARS``, also score
            its sentence groups (as a longer text's), each held to a logit
            ``short_segment_margin`` higher than the whole text (0: never). Why: one insult or
            threat among a few ordinary sentences, in a message or in a model's answer, was
            diluted in the one window such a text got. Off: its rule
            (``training/toxicity_short_segments_dev.py``) rejected 200 with a margin of 2
            (diluted toxic texts caught 4% -> 48%, but 15 -> 64 of 200 benign texts that quote
            or discuss an insult flagged).
        short_segment_margin: The logit a sentence group must clear on top of the decision
            point: the whole text's context is what tells a quoted insult, counter-speech or a
            villain's line in a story from abuse.
    """

    model_path: str | None = None
    lexicon_path: str | None = None
    max_findings: int = 32
    short_segments_over: int = 0
    short_segment_margin: float = 2.0


@dataclass(frozen=True)
class LexiconHit:
    """One lexicon term found in the original text."""

    start: int
    end: int
    severity: float
    slur: bool


class HashedLexicon:
    """Profanity and slur terms stored as CRC32 hashes, matched over word n-grams.

    Shipping hashes instead of words keeps the word lists out of the package while still
    matching exactly. ``prefixes`` holds the hashes of the first words of multi-word terms, so
    longer n-grams are only hashed after such a word: about one hash per word, which keeps a
    1 MB text fast.
    """

    def __init__(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                hashes = data["hashes"].astype(np.int64).tolist()
                severity = data["severity"].tolist()
                slur = data["slur"].tolist()
                prefixes = data["prefixes"].astype(np.int64).tolist()
        except (OSError, ValueError, KeyError) as exc:
            raise ArtefactError(f"cannot read toxicity lexicon {path}: {exc}") from exc
        self._prefixes = frozenset(prefixes)
        self._terms: dict[int, tuple[float, bool]] = {
            h: (float(s), bool(f)) for h, s, f in zip(hashes, severity, slur, strict=True)
        }
        self._keys = self._prefixes | frozenset(self._terms)

    def find(self, text: str, limit: int) -> list[LexiconHit]:
        """Non-overlapping hits, longest term first at each position, at most ``limit``.

        Only words whose hash is a term or a term's first word can start a hit, so those are the
        only positions tried; spans are computed only when something matched (rarely: common
        words such as "how" or "two" begin some multi-word terms, so most texts reach the loop).
        """
        words = [w.lower() for w in _WORD.findall(text)]
        hashes = [zlib.crc32(w.encode("utf-8")) for w in words]
        keys = self._keys
        matches: list[tuple[int, int, tuple[float, bool]]] = []
        covered = 0
        for i in [i for i, h in enumerate(hashes) if h in keys]:
            if i < covered:
                continue
            if len(matches) >= limit:
                break
            first = hashes[i]
            longest = min(MAX_TERM_WORDS, len(words) - i) if first in self._prefixes else 1
            for n in range(longest, 0, -1):
                key = first if n == 1 else zlib.crc32(" ".join(words[i : i + n]).encode("utf-8"))
                found = self._terms.get(key)
                if found is not None:
                    matches.append((i, n, found))
                    covered = i + n
                    break
        if not matches:
            return []
        spans = [m.span() for m in _WORD.finditer(text)]
        return [LexiconHit(spans[i][0], spans[i + n - 1][1], *found) for i, n, found in matches]


class ToxicityDetector(BaseDetector):
    """Scores insults, threats, hate and harassment; reports profanity and slur spans."""

    name: ClassVar[str] = "toxicity"
    reports: ClassVar[frozenset[str] | None] = frozenset(
        {
            "toxicity",
            "profanity",
            "insult",
            "hate",
            "threat",
            "harassment",
            "sexual_harassment",
            "violence",
        }
    )
    description: ClassVar[str] = (
        "Insults, threats, hate, harassment and sexual harassment (cascade model with an "
        "embedding head), plus profanity/slur spans from a lexicon."
    )
    params_model: ClassVar[type[DetectorParams]] = ToxicityParams
    embeds: ClassVar[bool] = True

    def _setup(self) -> None:
        params = self._params()
        self._model = ToxicityModel.load(Path(params.model_path or DEFAULT_MODEL))
        self._lexicon = HashedLexicon(Path(params.lexicon_path or DEFAULT_LEXICON))
        self._encoder: EncoderOpinion | None = optional_opinion(params, DEFAULT_ENCODER)

    @property
    def encoder_calls(self) -> int:
        """How many texts have paid for the fine-tuned encoder (a cost figure for benches)."""
        self.setup()
        return self._encoder.calls if self._encoder is not None else 0

    def _params(self) -> ToxicityParams:
        assert isinstance(self.params, ToxicityParams)
        return self.params

    def cascade_window(
        self, views: tuple[str, ...], features: FeatureCache
    ) -> tuple[float, str, int]:
        """The cascade's score (max over views and windows), the deciding window, stage-2 count.

        This is the score before the encoder's second opinion; its stacker is fitted on it.
        """
        self.setup()
        found = best_window(self._model, views, segments, features, MAX_STAGE2_WINDOWS)
        params = self._params()
        if 0 < params.short_segments_over < max(map(len, views), default=0) <= CHUNK_CHARS:
            margin = params.short_segment_margin
            return with_held_windows(
                found, self._model, views, _several_groups, features, margin, MAX_STAGE2_WINDOWS
            )
        return found

    def score(self, item: DetectorInput) -> DetectorResult:
        """Score every view (max), name the category, and report lexicon spans."""
        self.setup()
        views = tuple(v for v in item.normalised.views if v.strip())
        if not views:
            return self.result(0.0, "toxicity", categories={"toxicity": 0.0})
        score, window, n_stage2 = self.cascade_window(views, item.features)
        if self._encoder is not None and item.features.has_embedder:
            # Only the deciding window gets the second opinion: one encoder pass per text at most.
            score = self._encoder.adjust(score, window)
        # The sub-category head needs an embedding; far below any threshold it names nothing, and
        # skipping it keeps the common benign check on the cheap path.
        heads = self._model.categories(window, item.features) if score >= CATEGORY_MIN_SCORE else {}
        categories = {c: score * p for c, p in heads.items()}
        hits = self._lexicon.find(item.text, self._params().max_findings)
        profanity = max((h.severity for h in hits if not h.slur), default=0.0)
        if profanity:
            categories["profanity"] = profanity
        if not categories:
            categories["toxicity"] = score
        category = max(categories, key=lambda c: categories[c])
        findings = tuple(
            Finding(
                start=h.start,
                end=h.end,
                text=item.text[h.start : h.end],
                entity="slur" if h.slur else "profanity",
                category="hate" if h.slur else "profanity",
                score=h.severity,
            )
            for h in hits
        )
        return self.result(
            score,
            category,
            categories=categories,
            findings=findings,
            details={"stage2_windows": n_stage2},
        )
