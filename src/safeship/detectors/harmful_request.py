"""Harmful requests: the user asks for help causing harm, scored by intent rather than topic.

"How do I kill a zombie process" and "how do I kill my neighbour" share every alarming word;
what separates them is what is asked for. The model is a
:class:`~safeship.detectors.textmodel.CascadeModel` trained on public harmful-request sets plus
our own near-miss contrast pairs (homonyms, safe targets, fiction, history, definitions, harm
reduction) so that the topic alone does not flag:

* stage 1 (hashed n-grams) settles clear cases in well under a millisecond;
* stage 2 (a MiniLM embedding MLP head, stacked with stage 1; see
  :mod:`safeship.detectors.harmful_request_mlp`) settles the wide uncertain band, which is
  where near misses land, because paraphrase-level meaning separates intent better than word
  overlap;
* an embedding softmax head splits the score over the hazard taxonomy in
  :mod:`safeship.detectors.hazards`, so ``categories[h] = score * P(h | harmful)``;
* with ``multilingual`` (the default), text in another language is scored instead by a head on
  multilingual USE embeddings (see :mod:`safeship.detectors._multilingual_head`), since both
  cascade stages read English. Which text is routed is ``multilingual_scripts``: ``use`` (the
  default: Latin-script text that reads as one of the eight languages of
  :func:`~safeship.text.language_gate.reads_as_use_language`, and text in the non-Latin scripts
  USE reads, each group with a head of its own), ``latin`` (the first group only) or ``all``
  (every text that does not read as English; more recall, twice the false flags).

Scores are calibrated so that 0.5 is the model's own decision point; thresholds are the policy's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np

from safeship.detectors._encoder_opinion import EncoderOpinion, EncoderParams, optional_opinion
from safeship.detectors._multilingual_head import MultilingualHead
from safeship.detectors._request_form import (
    DOCUMENT_CHARS,
    Weigher,
    load_request_form,
    request_weigher,
)
from safeship.detectors._use_hazard_head import UseHazardHead
from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.detectors.harmful_request_mlp import MLPCascadeModel
from safeship.detectors.hazards import HAZARD_IDS
from safeship.detectors.textmodel import (
    MAX_CHUNKS,
    WindowScorer,
    best_window,
    chunk_text,
    spread,
    with_held_windows,
)
from safeship.features.cache import FeatureCache
from safeship.features.multilingual import default_use_embedder
from safeship.long_text import LONG_TEXT_CHARS
from safeship.text.language_gate import mostly_non_latin, reads_as_english, use_script_group
from safeship.types import DetectorResult, Stage

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = MODELS_DIR / "harmful_request.npz"
DEFAULT_ENCODER = MODELS_DIR / "harmful_request_encoder"
DEFAULT_MULTILINGUAL = MODELS_DIR / "harmful_request_use.npz"
DEFAULT_MULTILINGUAL_SCRIPTS = MODELS_DIR / "harmful_request_use_scripts.npz"
DEFAULT_USE_HAZARDS = MODELS_DIR / "harmful_request_use_hazards.npz"
SHORT_TEXT = 400
MAX_SUB_WINDOWS = 4096
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
"""Sentence ends, and every line break: a line glued to the next by one line break (a request
under a heading, a code comment, a table row) was one window with it, so the document line
around a planted request hid it, from the harm model and from the request-form weighting."""
_ANY_SENTENCE = re.compile(r"(?<=[.!?\n。！？])\s*")
USE_WHOLE_CHARS = 600
USE_WINDOW_CHARS = 400
MAX_USE_WINDOWS = 64
# A long text (a paste, over LONG_TEXT_CHARS) sends only the windows stage 1 finds most
# suspicious to the cascade: the embeddings of thousands of windows cost seconds, and the score is
# a maximum (rule and figures: training/harmful_request_long_cap_dev.py).
LONG_STAGE2_WINDOWS = 32
LONG_STAGE2_CHUNKS = 4
"""Whole windows of a long text that may pay for an embedding (each costs ten sentences')."""
PAIRED_SENTENCES = 256
"""Sentences of a long text also read joined with their neighbours (the most suspicious)."""
UNSPECIFIED = "harmful_request"
"""Category reported when no embedder is configured, so hazards cannot be told apart."""


def use_windows(view: str) -> list[str]:
    """Message-sized windows of a long view for the USE heads, which learnt from messages.

    Sentences (Latin and CJK end marks) are packed in order into windows of at most
    ``USE_WINDOW_CHARS``; a longer sentence is cut. At most ``MAX_USE_WINDOWS``, spread evenly,
    the first and last kept, bound the cost of a 1 MB text.
    """
    if len(view) <= USE_WHOLE_CHARS:
        return [view]
    windows: list[str] = []
    current = ""
    for sentence in (x for x in _ANY_SENTENCE.split(view) if x.strip()):
        pieces = [
            sentence[i : i + USE_WINDOW_CHARS] for i in range(0, len(sentence), USE_WINDOW_CHARS)
        ]
        for piece in pieces:
            if current and len(current) + 1 + len(piece) > USE_WINDOW_CHARS:
                windows.append(current)
                current = ""
            current = f"{current} {piece}" if current else piece
    if current:
        windows.append(current)
    return spread(list(dict.fromkeys(windows)), MAX_USE_WINDOWS)


def _use_chunks(view: str) -> list[str]:
    """Model windows for a USE head: at most ``MAX_CHUNKS``, spread (each costs an embedding)."""
    return spread(chunk_text(view), MAX_CHUNKS)


def _windows(view: str) -> list[str]:
    """Model windows plus the text's sentences and adjacent sentence pairs.

    A one-line request after a long pasted document is diluted in a 2,500-character window
    (TF-IDF normalises over the whole window), so sentences are scored on their own too. They
    are the whole text's sentences, not each window's: a window cut mid-word gave fragments
    ("overs revenue, costs ...") that scored as sentences of their own. Repeated ones are scored
    once, and at most ``MAX_SUB_WINDOWS`` keep the cost bounded.
    """
    windows = chunk_text(view)
    if len(view) <= SHORT_TEXT:
        return windows
    sents = _sentences(view)
    subs = sents + [f"{a} {b}" for a, b in zip(sents, sents[1:], strict=False)]
    return windows + spread(list(dict.fromkeys(subs)), MAX_SUB_WINDOWS)


def _sentence_windows(view: str) -> list[str]:
    """A text's sentences and adjacent pairs (none when it is one sentence)."""
    sents = _sentences(view)
    if len(sents) < 2:
        return []
    subs = sents + [f"{a} {b}" for a, b in zip(sents, sents[1:], strict=False)]
    return list(dict.fromkeys(subs))


def _long_sentences(view: str, model: WindowScorer, features: FeatureCache) -> list[str]:
    """A long text's every sentence, and pairs around the most suspicious sentences.

    The pairs join each of the ``PAIRED_SENTENCES`` sentences stage 1 finds most suspicious to
    its neighbours (a request split over two sentences).

    Every sentence: they were once capped at ``MAX_SUB_WINDOWS`` spread over the text, and the
    windows at 64, so most of a long paste was never read and a request placed between two
    sampled sentences went through. Stage 1 reads them all (hashed in one pass, about 0.3 s for
    the 13,000 sentences of a megabyte); only the ``LONG_STAGE2_WINDOWS`` most suspicious pay
    for an embedding.
    """
    sents = _sentences(view)
    unique = list(dict.fromkeys(sents))
    z1 = model.stage1_logits(features.hashed(unique))
    top = {unique[i] for i in np.argsort(-z1)[:PAIRED_SENTENCES].tolist()}
    pairs = [f"{a} {b}" for a, b in zip(sents, sents[1:], strict=False) if a in top or b in top]
    return unique + list(dict.fromkeys(pairs))


def _sentences(view: str) -> list[str]:
    """The sentences and lines of ``view`` in order, blank ones dropped."""
    return [x for x in _SENTENCE.split(view) if x.strip()]


CATEGORY_MIN_SCORE = 0.15
"""Below this score no category is computed (it needs an embedding); set per-category
thresholds above it."""


class HarmfulRequestParams(EncoderParams):
    """Params of the harmful-request detector.

    Attributes:
        model_path: Cascade artefact; defaults to the shipped ``harmful_request.npz``.
        encoder, encoder_dir: The fine-tuned second opinion on intent (see ``EncoderParams``).
        multilingual: Score text in another language with the USE head instead of the
            English cascade (only with an embedder configured). On by default since its
            fourth round passed its rule (``training/harmful_request_latin4_dev.py``).
        multilingual_scripts: Which text counts as another language: ``latin`` routes only
            Latin-script text that reads as fr, de, es, it, pt, nl, pl or tr and holds no letter
            those languages never write (judged by ``training/harmful_request_latin*_dev.py``);
            ``use`` (the default since round 7, ``training/harmful_request_scripts3_dev.py``)
            adds text in the non-Latin scripts USE reads (Cyrillic, Arabic, Han, kana, Hangul,
            Thai) with a head of their own; ``all`` routes every text that does not read as
            English (``harmful_request_use_dev.py``).
        multilingual_path: Another head for Latin-script text than the shipped
            ``harmful_request_use.npz``.
        multilingual_windows: How a long routed text is cut for the USE heads: ``chunks``
            (up to 2,500 characters, as the text model) or ``sentences`` (sentence groups of
            at most 400 characters, message-sized, at most 64; judged by
            ``training/harmful_request_long_dev.py``).
        multilingual_hazards: Name the hazard of routed text with a head on its USE embedding
            instead of the English MiniLM hazard head (on by default: adopted by
            ``training/harmful_request_use_hazards_dev.py``, accuracy 0.17 -> 0.60).
        multilingual_scripts_path: Another head for text in other scripts than the shipped
            ``harmful_request_use_scripts.npz`` (a head of its own since round 7: retraining
            the Latin head for them moved Latin decisions).
        request_form: In a text over ``DOCUMENT_CHARS`` (a pasted document), weigh each
            window's score by how likely the window is a request at all rather than a passage
            of a document (``training/train_request_form.py``). On by default since its second
            version passed its rule (``training/harmful_request_request_form_dev.py``: real
            pasted documents flagged 109 -> 36 of 133, short texts unchanged).
        request_form_path: Another request-form model than the shipped ``request_form.npz``.
        short_sentences_over: In a text longer than this and up to ``SHORT_TEXT`` characters,
            also score each sentence and each pair of adjacent sentences, held to a logit
            ``short_sentence_margin`` higher than the whole text (0: never; texts over
            ``SHORT_TEXT`` have always been read by sentence, with no margin). Why: a harmful
            request behind a sentence or two of small talk was diluted in the one window such
            a text got. Off: its rule (``training/harmful_request_short_sentences_dev.py``)
            rejected 120 with a margin of 2 (86% of diluted requests caught instead of 71%,
            but 10 more of 200 context-benign turns flagged at 0.4).
        short_sentence_margin: The logit a short text's sentence must clear on top of the
            decision point: the whole text's context is what tells a homonym, a novel's plot or
            a safety question from a request, and a sentence alone has lost it.
    """

    model_path: str | None = None
    multilingual: bool = True
    multilingual_scripts: Literal["latin", "use", "all"] = "use"
    multilingual_path: str | None = None
    multilingual_scripts_path: str | None = None
    multilingual_windows: Literal["chunks", "sentences"] = "chunks"
    multilingual_hazards: bool = True
    request_form: bool = True
    request_form_path: str | None = None
    short_sentences_over: int = 0
    short_sentence_margin: float = 2.0


class HarmfulRequestDetector(BaseDetector):
    """Scores how likely a user turn asks for harmful help, and names the hazard."""

    name: ClassVar[str] = "harmful_request"
    reports: ClassVar[frozenset[str] | None] = frozenset({UNSPECIFIED, *HAZARD_IDS})
    description: ClassVar[str] = (
        "Requests for harmful help (violence, weapons, crime, abuse, self-harm, malware...), "
        "scored by intent rather than topic, with a hazard category aligned with MLCommons."
    )
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.INPUT})
    params_model: ClassVar[type[DetectorParams]] = HarmfulRequestParams
    embeds: ClassVar[bool] = True

    def _setup(self) -> None:
        assert isinstance(self.params, HarmfulRequestParams)
        self._model = MLPCascadeModel.load(Path(self.params.model_path or DEFAULT_MODEL))
        self._encoder: EncoderOpinion | None = optional_opinion(self.params, DEFAULT_ENCODER)
        path = self.params.multilingual_path
        self._multilingual = (
            MultilingualHead.load(Path(path) if path else DEFAULT_MULTILINGUAL)
            if self.params.multilingual
            else None
        )
        scripts_path = self.params.multilingual_scripts_path
        self._multilingual_scripts = (
            MultilingualHead.load(
                Path(scripts_path) if scripts_path else DEFAULT_MULTILINGUAL_SCRIPTS
            )
            if self.params.multilingual and self.params.multilingual_scripts != "latin"
            else None
        )
        self._use_hazards = (
            UseHazardHead.load(DEFAULT_USE_HAZARDS)
            if self.params.multilingual and self.params.multilingual_hazards
            else None
        )
        if self._multilingual is not None:
            default_use_embedder().load()
        self._form = (
            load_request_form(self.params.request_form_path) if self.params.request_form else None
        )

    @property
    def encoder_calls(self) -> int:
        """How many texts have paid for the fine-tuned encoder (a cost figure for benches)."""
        self.setup()
        return self._encoder.calls if self._encoder is not None else 0

    def cascade_window(
        self, views: tuple[str, ...], features: FeatureCache
    ) -> tuple[float, str, int]:
        """The cascade's score (max over views and windows), the deciding window, stage-2 count.

        This is the score before the encoder's second opinion; its stacker is fitted on it.
        """
        self.setup()
        longest = max(map(len, views), default=0)
        weigh = self._request_form(views, features)
        if longest <= LONG_TEXT_CHARS:
            found = best_window(self._model, views, _windows, features, weigh=weigh)
            params = self.params
            assert isinstance(params, HarmfulRequestParams)
            if 0 < params.short_sentences_over < longest <= SHORT_TEXT:  # longer: by sentence
                margin = params.short_sentence_margin
                return with_held_windows(
                    found, self._model, views, _sentence_windows, features, margin
                )
            return found
        model = self._model

        def sentences(view: str) -> list[str]:
            return _long_sentences(view, model, features)

        # windows cost 256 tokens an embedding, sentences a tenth: separate stage-2 budgets
        whole = best_window(model, views, chunk_text, features, LONG_STAGE2_CHUNKS, weigh)
        parts = best_window(model, views, sentences, features, LONG_STAGE2_WINDOWS, weigh)
        best = max(whole, parts, key=lambda found: found[0])
        return best[0], best[1], whole[2] + parts[2]

    def _request_form(self, views: tuple[str, ...], features: FeatureCache) -> Weigher | None:
        """How likely each window is a request rather than document text, or ``None``.

        ``None`` unless the weighting is configured and the longest view is over
        ``DOCUMENT_CHARS`` (a pasted document).
        """
        if self._form is None or max(map(len, views), default=0) <= DOCUMENT_CHARS:
            return None
        return request_weigher(self._form, features)

    def score(self, item: DetectorInput) -> DetectorResult:
        """Score every view (max) and split the score over hazards."""
        self.setup()
        views = tuple(v for v in item.normalised.views if v.strip())
        if not views:
            return self.result(0.0, UNSPECIFIED, categories={UNSPECIFIED: 0.0})
        head = self._head_for(views[0]) if item.features.has_embedder else None
        if head is not None:
            return self._score_multilingual(head, views, item.features)
        score, window, n_stage2 = self.cascade_window(views, item.features)
        if self._encoder is not None and item.features.has_embedder:
            # Only the deciding window gets the second opinion: one encoder pass per text at most.
            # Its stacker learnt unweighted scores: it reads the window's own score, and the
            # request-form weight applies to what it says.
            weigh = self._request_form(views, item.features)
            weight = float(weigh([window])[0]) if weigh is not None else 1.0
            raw = min(score / weight, 1.0) if weight > 0 else 0.0
            score = self._encoder.adjust(raw, window) * weight
        return self._with_hazards(score, window, item.features, {"stage2_windows": n_stage2})

    def _head_for(self, view: str) -> MultilingualHead | None:
        """The USE head this text goes to (by its script group), or ``None`` for the cascade."""
        self.setup()
        assert isinstance(self.params, HarmfulRequestParams)
        if self._multilingual is None:
            return None
        scripts = self.params.multilingual_scripts
        if scripts == "all":
            group = (
                None if reads_as_english(view) else "script" if mostly_non_latin(view) else "latin"
            )
        else:
            group = use_script_group(view, strict=True, latin_only=scripts == "latin")
        if group == "script" and self._multilingual_scripts is not None:
            return self._multilingual_scripts
        return self._multilingual if group is not None else None

    def _routed(self, view: str) -> bool:
        """Whether this text goes to a USE head rather than the English cascade."""
        return self._head_for(view) is not None

    def _score_multilingual(
        self, head: MultilingualHead, views: tuple[str, ...], features: FeatureCache
    ) -> DetectorResult:
        """Max of the USE head over every window of every view; hazards as for English."""
        assert isinstance(self.params, HarmfulRequestParams)
        cut = use_windows if self.params.multilingual_windows == "sentences" else _use_chunks
        windows = list(dict.fromkeys(w for view in views for w in cut(view)))
        embedded = features.use_embeddings(windows)
        probs = head.probabilities(embedded)
        best = int(probs.argmax())
        score = float(probs[best])
        if self._use_hazards is None:
            return self._with_hazards(score, windows[best], features, {"multilingual": True})
        hazards = self._use_hazards.categories(embedded[best])
        return self._result_with(score, hazards, {"multilingual": True})

    def _with_hazards(
        self, score: float, window: str, features: FeatureCache, details: dict[str, object]
    ) -> DetectorResult:
        """The result, with the score split over hazards as read from the deciding window.

        The hazard head needs an embedding; a text this far below any sane threshold needs no
        category, and skipping it keeps the common benign check on the cheap path.
        """
        hazards = self._model.categories(window, features) if score >= CATEGORY_MIN_SCORE else {}
        return self._result_with(score, hazards, details)

    def _result_with(
        self, score: float, hazards: dict[str, float], details: dict[str, object]
    ) -> DetectorResult:
        """The result, with ``score`` split over ``hazards`` (``P(hazard | harmful)``)."""
        if score < CATEGORY_MIN_SCORE:
            hazards = {}
        categories = {h: score * p for h, p in hazards.items()} or {UNSPECIFIED: score}
        category = max(categories, key=lambda c: categories[c])
        return self.result(score, category, categories=categories, details=details)
