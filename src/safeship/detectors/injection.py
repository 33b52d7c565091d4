"""Prompt-injection and jailbreak detector: a learnt cascade plus a few explicit, explainable rules.

The cascade (hashed n-grams, then MiniLM embeddings in the uncertain band; see ``textmodel``) scores
every normalised view of the text and keeps the maximum. Three things a text classifier alone does
badly are handled explicitly:

* **Fake chat-template tokens** (``<|im_start|>system``, ``[INST]``, ``### System:``) are rare in
  training data but unambiguous, so a role-opening marker floors the score.
* **Indirect injection**: for ``source`` ``tool`` or ``document`` the text is data, not a user turn,
  and one injected sentence is diluted in a long page. Each sentence is also scored on its own, and
  an imperative addressed to the assistant adds a little evidence.
* **Diluted direct injection**: a few harmless sentences before an injection dilute it in a chat
  turn just as a page does, so every text over ``TURN_SEGMENT_CHARS`` is read sentence by
  sentence too, a chat turn's sentences held to a higher bar (``turn_segment_margin``).
* **System-prompt context** (``_injection_context``): asking for exactly what the system prompt
  protects is an attack only given that system prompt. A learnt pair model on the two embeddings
  scores that when an embedder is available; otherwise a lexical overlap shifts the text's logit.
* **Scripts the model cannot read** (``_injection_cues``): the text model never trained on
  Cyrillic, CJK, Arabic, Hebrew, Greek, Devanagari or Thai rows, and MiniLM reads English only,
  so in those scripts an explicit cue (an override, extraction or unrestricted-persona phrase
  with its object) floors the score instead.
* **Latin-script text in another language USE reads** (``multilingual``, on by default):
  French, German, Spanish, Italian, Portuguese, Dutch, Polish or Turkish text is scored by a head
  on multilingual USE embeddings instead of the English text model (see
  :mod:`safeship.detectors._multilingual_head` and
  :func:`safeship.text.language_gate.reads_as_use_language`).
* **Backwards text**: a text that reads as English only when reversed is scored reversed. Its raw
  form is character soup whose n-grams the model has rarely seen, and scoring soup produced false
  positives on benign reversed text; reading it the right way round scores what it says.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import numpy as np
from pydantic import Field

from safeship.detectors._injection_context import PairModel, context_boost, contextual_score
from safeship.detectors._injection_cues import Cue, find_cues
from safeship.detectors._injection_cues import prepare as prepare_cues
from safeship.detectors._multilingual_head import MultilingualHead
from safeship.detectors._request_form import DOCUMENT_CHARS, Weigher, request_weigher
from safeship.detectors.base import BaseDetector, DetectorInput, DetectorParams
from safeship.detectors.textmodel import (
    CHUNK_CHARS,
    MAX_CHUNKS,
    CascadeModel,
    best_window,
    chunk_text,
    sigmoid,
    spread,
)
from safeship.features.cache import FeatureCache
from safeship.features.multilingual import default_use_embedder
from safeship.long_text import LONG_TEXT_CHARS
from safeship.text.englishness import prepare as prepare_englishness
from safeship.text.language_gate import reads_as_use_language
from safeship.text.lexicon import is_word
from safeship.text.locate import Folding
from safeship.text.normalise import CONTEXT
from safeship.types import DetectorResult, Finding, Stage

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "prompt_injection.npz"
PAIR_PATH = MODEL_PATH.with_name("prompt_injection_context.npz")
USE_PATH = MODEL_PATH.with_name("prompt_injection_use.npz")
CATEGORY = "prompt_injection"
TEMPLATE_FLOOR = 0.9
CUE_FLOOR = 0.85
ADDRESSED_BONUS = 1.0
MAX_SEGMENTS = 256
"""Segments of a long text the USE head reads (spread over the text: it has no cheap stage)."""
# A view over LONG_TEXT_CHARS (a paste) embeds only what stage 1 finds most suspicious: this many
# whole-view chunks, and this many segments (the rest keep their stage-1 probability). None: no
# cap. Rule and figures: training/injection_long_cap_dev.py.
LONG_STAGE2_CHUNKS: int | None = 4
LONG_STAGE2_SEGMENTS: int | None = 16
MIN_SEGMENT = 40
TURN_SEGMENT_CHARS = 200
"""Texts longer than this are also read sentence by sentence: a few harmless sentences before an
injection diluted it away in one window (rule and figures: training/injection_turn_segments_dev.py;
before session 19 this was CHUNK_CHARS, 2,500)."""

_TEMPLATE = re.compile(
    r"<\|im_start\|>\s*(system|assistant|developer)|<\|(system|im_end|eot_id|endoftext)\|>"
    r"|<\|start_header_id\|>\s*(system|assistant)|<<\s*/?SYS\s*>>|\[INST\].{0,2000}?\[/INST\]"
    r"|<start_of_turn>\s*(system|model)|^\s*#{2,4}\s*system( prompt| message)?\s*:"
    r"|^\s*\[?(system|system prompt|system message)\]?\s*:\s*(you|from now|ignore|disregard|"
    r"forget|new (rules|instructions)|override|the (assistant|user)|assistant|developer mode)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_RULES: dict[str, re.Pattern[str]] = {
    "instruction_override": re.compile(
        r"\b(ignore|disregard|forget|override|bypass|skip|drop|abandon)\b[^.\n]{0,40}"
        r"\b(previous|prior|above|earlier|preceding|original|your|all|any|the)\b[^.\n]{0,30}"
        r"\b(instructions?|rules|guidelines|directions|directives|prompts?|restrictions|"
        r"programming|guardrails|polic(y|ies)|tasks?)\b",
        re.IGNORECASE,
    ),
    "system_prompt_extraction": re.compile(
        r"\b(reveal|show|print|repeat|output|display|leak|tell me|give me|recite|spell|"
        r"what (is|are|were))\b[^.\n]{0,40}\b(system (prompt|message)|"
        r"initial (prompt|instructions)|hidden (rules|instructions)|"
        r"your (instructions|prompt|rules|configuration|guidelines)|"
        r"(the )?(words|text) above)",
        re.IGNORECASE,
    ),
    # one word boundary before every branch: tried at word starts only, not at every character
    # (a third of this detector's time on a 1 MB paste), and "fact ..." is not "act ..."
    "jailbreak_persona": re.compile(
        r"\b(?:DAN\b|do anything now|developer mode|jailbr(o|ea)k|unfiltered\b|uncensored\b"
        r"|no (restrictions|limitations|filters|rules|ethics|guidelines)\b|(act|pretend|roleplay|"
        r"role-play)[^.\n]{0,40}\b(without|no|free of)\b[^.\n]{0,20}\b(rules|limits|restrictions|"
        r"ethics|filters|guidelines))",
        re.IGNORECASE,
    ),
}
_ADDRESSED = re.compile(
    r"\b(ai|assistant|language model|llm|chatbot|agent|gpt|model)\b[^.\n]{0,30}"
    r"\b(ignore|disregard|forget|instead|reveal|forward|delete|exfiltrate|do not (tell|mention))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_LETTERS = re.compile(r"[A-Za-z]{2,}")
BACKWARDS_WORDS = 200  # words sampled to decide whether a text is written backwards


def reads_backwards(text: str) -> bool:
    """Whether ``text`` has clearly more common English words reversed than as written."""
    words = _LETTERS.findall(text[: BACKWARDS_WORDS * 12])[:BACKWARDS_WORDS]
    if len(words) < 3:
        return False
    forward = sum(map(is_word, words))
    backward = sum(is_word(w[::-1]) for w in words)
    return backward >= 2 and backward > 2 * forward


class InjectionParams(DetectorParams):
    """Params of :class:`PromptInjectionDetector`.

    Attributes:
        use_system_prompt: Shift the score by the overlap between what ``item.system`` protects and
            what the text asks for.
        system_prompt_model: With ``use_system_prompt``, also score the (system prompt, turn) pair
            with the learnt pair model when an embedder is available. ``False`` keeps only the
            lexical shift: far fewer everyday turns flagged, and far fewer paraphrased attacks on
            the system prompt caught (figures in the model card).
        scan_views: Score every normalised view (decoded payloads too), not only the main one.
        segment_sources: Sources whose text is data; each sentence of it is scored on its own.
        segment_over_chars: Also score sentences of any text longer than this (0: never): a few
            harmless sentences dilute an injected one in a chat turn as much as in a document.
            ``CHUNK_CHARS`` (2,500) restores the behaviour before session 19.
        turn_segment_margin: Logit subtracted from each sentence's score in a text that is not
            from a ``segment_sources`` source (a chat turn): its sentences are all written to the
            assistant, and each is one more chance of a false alarm (0.0 before session 19).
        turn_stage2_segments: At most this many sentences of a chat turn up to
            ``LONG_TEXT_CHARS`` may pay for stage 2 (the most suspicious to stage 1); ``None``:
            no bound. Longer texts keep ``LONG_STAGE2_SEGMENTS``.
        multilingual_cues: Floor the score at ``CUE_FLOOR`` when a text in a script the model
            cannot read holds an injection cue (see ``_injection_cues``; measured in the card
            and judged by ``training/injection_cues_dev.py``).
        multilingual: Score Latin-script text in a non-English language USE reads with the USE
            head instead of the English text model (only with an embedder; judged by
            ``training/injection_use_dev.py``).
        multilingual_path: Another USE head than the shipped ``prompt_injection_use.npz``.
        model_path: Use another artefact than the shipped one.
        addressed_form_path: A model (``training/train_addressed_form.py``) of how likely a window
            is addressed to an AI assistant (a request or an instruction) rather than document
            text; each window of a document has its score weighed by it: in a text over
            ``DOCUMENT_CHARS`` whatever its source, and in any text from a ``segment_sources``
            source (see ``_addressed_form``). None ships: the one trained here was rejected by
            its rule (``training/injection_addressed_dev.py``; it lost hidden instructions).
    """

    use_system_prompt: bool = True
    system_prompt_model: bool = True
    scan_views: bool = True
    segment_sources: tuple[str, ...] = ("tool", "document")
    segment_over_chars: int = Field(TURN_SEGMENT_CHARS, ge=0)
    turn_segment_margin: float = Field(2.0, ge=0.0, allow_inf_nan=False)
    turn_stage2_segments: int | None = Field(4, ge=0)
    multilingual_cues: bool = True
    multilingual: bool = True
    multilingual_path: str | None = None
    model_path: str | None = None
    addressed_form_path: str | None = None


USE_GROUP_CHARS = 400
"""A chat turn's adjacent sentences in a USE language are read together up to this length."""
_NON_SPACE = re.compile(r"\S")
_CODE = re.compile(r"[{}<>=]|\w\.\w+\(|\w\(\)")


def _reads_as_use_prose(text: str) -> bool:
    """Whether a segment is prose in a language the USE head reads, not a line of code.

    Why: a code line with an identifier such as ``todo`` or ``para`` passes the language check,
    and the head, which never saw code, rates it about 1.0 (a React ``map`` line: 0.9996).
    Prose here: no code punctuation (braces, angle brackets, ``=``, a call such as ``a.b(``),
    and letters make up at least 70% of the non-space characters. A short foreign sentence
    stays with the head: the English text model flags ordinary non-English text far more often.
    """
    # cheapest test first: every sentence of an English turn over 200 characters comes here
    if _CODE.search(text) or not reads_as_use_language(text, latin_only=True):
        return False
    return sum(c.isalpha() for c in text) >= 0.7 * len(_NON_SPACE.findall(text))


def _groups(indices: list[int], texts: list[str]) -> list[list[int]]:
    """``indices`` split into runs of adjacent segments, each up to ``USE_GROUP_CHARS`` long."""
    out: list[list[int]] = []
    size = 0
    for i in indices:
        if out and out[-1][-1] == i - 1 and size + len(texts[i]) <= USE_GROUP_CHARS:
            out[-1].append(i)
            size += len(texts[i])
        else:
            out.append([i])
            size = len(texts[i])
    return out


def _segments(text: str) -> list[tuple[int, int]]:
    """Sentence spans of the whole text, short ones merged forward.

    Every sentence: they were once capped at ``MAX_SEGMENTS`` spread over the text, which left
    most sentences of a long paste unread, so an instruction placed between two sampled ones
    went through. Stage 1 reads them all (hashed in one pass); stage 2 and the USE head only a
    bounded number (``_segment_probs``).
    """
    spans: list[tuple[int, int]] = []
    start = -1
    for m in _SENTENCE.finditer(text):
        if start < 0:
            start = m.start()
        if m.end() - start >= MIN_SEGMENT:
            spans.append((start, min(m.end(), start + CHUNK_CHARS)))
            start = -1
    if start >= 0 and text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _span_in_text(text: str, view: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` of ``view`` as a span of ``text``, else the whole text.

    Exact when the view is the text; else where the span's words occur in the text as written,
    or once folded as the views fold it; else (a decoded payload, say) the whole text. Why: a
    zero-width character or a homoglyph anywhere in a turn makes the normalised view differ
    from the text, and the finding then pointed at the whole turn, not the sentence.
    """
    if view == text:
        return span
    part = view[span[0] : span[1]].strip()
    if not part or span == (0, len(view)):
        return (0, len(text))
    at = text.find(part)
    if at >= 0:
        return (at, at + len(part))
    # zero-width, NFKC-folded and look-alike characters inside it
    found = Folding(text).locate_all(part, confusables=True)
    return found[0] if found else (0, len(text))


class PromptInjectionDetector(BaseDetector):
    """Scores direct and indirect prompt injection, jailbreaks and system-prompt extraction."""

    name: ClassVar[str] = "prompt_injection"
    reports: ClassVar[frozenset[str] | None] = frozenset({CATEGORY})
    description: ClassVar[str] = (
        "Prompt injection and jailbreaks: instruction override, personas, fake template tokens, "
        "system-prompt extraction, instructions hidden in documents and tool results."
    )
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.INPUT})
    params_model: ClassVar[type[DetectorParams]] = InjectionParams
    embeds: ClassVar[bool] = True
    contextual: ClassVar[bool] = True
    sources: ClassVar[frozenset[str]] = frozenset({"user", "tool", "document", "conversation"})

    def _setup(self) -> None:
        assert isinstance(self.params, InjectionParams)
        path = Path(self.params.model_path) if self.params.model_path else MODEL_PATH
        self._model = CascadeModel.load(path)
        pair_path = path.with_name(path.stem + "_context.npz")
        self._pair = PairModel.load(pair_path) if pair_path.exists() else None
        use_path = Path(self.params.multilingual_path or USE_PATH)
        self._use = MultilingualHead.load(use_path) if self.params.multilingual else None
        if self._use is not None:
            default_use_embedder().load()  # here, not on the first French message (~1.5 s)
        form = self.params.addressed_form_path
        self._form = CascadeModel.load(Path(form)) if form else None
        prepare_englishness()  # the normaliser's leet / rot13 judge, counted once, not mid-request
        if self.params.multilingual_cues:
            prepare_cues()  # ~0.25 s of regex compilation the first non-Latin user would pay

    def score(self, item: DetectorInput) -> DetectorResult:
        """Score ``item`` (see the module docstring for how the parts combine)."""
        self.setup()
        params = self.params
        assert isinstance(params, InjectionParams)
        views = self._views(item, params)
        best, where = 0.0, (0, len(item.text))
        for view in views:
            p, span = self._score_view(view, item, params)
            if p > best:
                best, where = p, _span_in_text(item.text, view, span)
        text_score = best
        if params.use_system_prompt and item.system:
            best = max(best, self._context_score(item, text_score, params.system_prompt_model))
        findings = [self._finding(item.text, where, best, "prompt_injection")]
        template = _TEMPLATE.search(item.text) or _TEMPLATE.search(item.normalised.normalised)
        if template is not None:
            best = max(best, TEMPLATE_FLOOR)
            if template.string is item.text:
                findings.append(self._finding(item.text, template.span(), best, "template_tokens"))
        cues, in_text = self._cues(item, views) if params.multilingual_cues else ([], False)
        if cues:
            best = max(best, CUE_FLOOR)
            findings.extend(self._cue_finding(item.text, c, best, in_text) for c in cues)
        categories = self._categories(item, best, template is not None)
        categories.update({cue.family: round(best, 4) for cue in cues})
        return self.result(
            best,
            CATEGORY,
            categories=categories,
            findings=tuple(findings) if best >= 0.5 else (),
            details={"text_score": round(text_score, 4), "views": len(views)},
        )

    @staticmethod
    def _cues(item: DetectorInput, views: tuple[str, ...]) -> tuple[list[Cue], bool]:
        """Cues in the text as written, else in any view (a decoded payload, say); and which."""
        cues = find_cues(item.text)
        if cues:
            return cues, True
        for view in views:
            if view != item.text and (cues := find_cues(view)):
                return cues, False
        return [], False

    @classmethod
    def _cue_finding(cls, text: str, cue: Cue, score: float, in_text: bool) -> Finding:
        """A cue's span when it was found in ``text`` itself, else (a decoded view) all of it."""
        span = (cue.start, cue.end) if in_text else (0, len(text))
        return cls._finding(text, span, score, cue.family)

    @staticmethod
    def _views(item: DetectorInput, params: InjectionParams) -> tuple[str, ...]:
        """The views to score: decoded views replace the raw one when they cover the whole text.

        A decoded view is the text with the payload replaced by its decoding, plus up to
        ``CONTEXT`` characters either side; for a text no longer than that it holds everything
        the raw view does except the encoded blob, which reads as gibberish to an n-gram model
        (benign base64 or reversed text would otherwise be flagged for its encoding alone).
        """
        views = item.normalised.views
        if not params.scan_views:
            views = (item.normalised.normalised,)
        elif len(views) > 1 and len(views[0]) <= CONTEXT:
            views = views[1:]
        views = tuple(v[::-1] if reads_backwards(v) else v for v in views)
        return tuple(v for v in views if v.strip()) or ("",)

    def _context_score(self, item: DetectorInput, text_score: float, use_pair: bool) -> float:
        """Score of the text as an attack on ``item.system`` (pair model, else lexical shift)."""
        assert item.system is not None
        text = item.normalised.normalised
        if not use_pair or self._pair is None or not item.features.has_embedder:
            return contextual_score(text_score, item.system, text)
        system_emb, user_emb = item.features.embeddings(
            [item.system[:CHUNK_CHARS], text[:CHUNK_CHARS]]
        )
        return self._pair.score(user_emb, system_emb, context_boost(item.system, text))

    def _score_view(
        self, view: str, item: DetectorInput, params: InjectionParams
    ) -> tuple[float, tuple[int, int]]:
        use = self._use if item.features.has_embedder else None
        long_view = len(view) > LONG_TEXT_CHARS
        weigh = self._addressed_form(view, item, params)
        if use is not None and reads_as_use_language(view, latin_only=True):
            windows = spread(chunk_text(view), MAX_CHUNKS)  # no cheap stage to rank them by
            whole = use.score(item.features.use_embeddings(windows))
            weigh = None  # the weighting model reads English only
        elif long_view or weigh is not None:
            cap = LONG_STAGE2_CHUNKS if long_view else None
            whole = best_window(self._model, (view,), chunk_text, item.features, cap, weigh)[0]
        else:
            whole = self._model.score(view, item.features)
        segmented = item.source in params.segment_sources or (
            0 < params.segment_over_chars < len(view)
        )
        if not segmented or len(view) <= MIN_SEGMENT:
            return whole, (0, len(view))
        spans = _segments(view)
        turn = item.source not in params.segment_sources  # a chat turn, not data
        cap = LONG_STAGE2_SEGMENTS if long_view else None
        if turn and not long_view and params.turn_stage2_segments is not None:
            cap = params.turn_stage2_segments
        texts = [view[a:b] for a, b in spans]
        weights = weigh(texts) if weigh is not None else None
        probs = self._segment_probs(texts, item.features, use, cap, weights, turn)
        z = np.log(np.clip(probs, 1e-6, 1 - 1e-6) / np.clip(1 - probs, 1e-6, 1))
        addressed = np.array([_ADDRESSED.search(text) is not None for text in texts])
        z = z + ADDRESSED_BONUS * addressed - (params.turn_segment_margin if turn else 0.0)
        probs = sigmoid(z)
        if weights is not None:
            probs = probs * weights
        i = int(np.argmax(probs))
        if probs[i] > whole:
            return float(probs[i]), spans[i]
        return whole, (0, len(view))

    def _addressed_form(
        self, view: str, item: DetectorInput, params: InjectionParams
    ) -> Weigher | None:
        """How likely each window of ``view`` is addressed to an AI, not document text; or ``None``.

        ``None`` unless the weighting is configured and ``view`` is a document: longer than
        ``DOCUMENT_CHARS`` (a paste), or from a source whose text is data (a retrieved passage,
        a tool result), where an instruction to the assistant is exactly what is looked for.
        """
        if self._form is None:
            return None
        if len(view) <= DOCUMENT_CHARS and item.source not in params.segment_sources:
            return None
        return request_weigher(self._form, item.features)

    def _segment_probs(
        self,
        texts: list[str],
        features: FeatureCache,
        use: MultilingualHead | None,
        max_stage2: int | None = None,
        weights: np.ndarray | None = None,
        group: bool = False,
    ) -> np.ndarray:
        """Each segment's probability, from the USE head or the text model, never both.

        Segments of prose in a language the head reads go to the head (at most
        ``MAX_SEGMENTS`` reads, spread over the text); with ``group`` (a chat turn), adjacent
        ones are read together up to ``USE_GROUP_CHARS``, since each read is a USE embedding (a
        2,000-character French turn cost 40 ms more read sentence by sentence). The rest go to
        the text model, of which at most ``max_stage2`` (the most suspicious to stage 1, after
        the weighting model's ``weights`` when given) may use stage 2.
        """
        probs = np.zeros(len(texts), dtype=np.float64)
        home = list(range(len(texts)))
        if use is not None:
            foreign = [i for i in home if _reads_as_use_prose(texts[i])]
            if foreign:
                groups = _groups(foreign, texts) if group else [[i] for i in foreign]
                groups = spread(groups, MAX_SEGMENTS)  # each costs a USE embedding
                joined = [" ".join(texts[i].strip() for i in g) for g in groups]
                read = use.probabilities(features.use_embeddings(joined))
                for members, p in zip(groups, read, strict=True):
                    probs[members] = p
                taken = set(foreign)
                home = [i for i in home if i not in taken]
        if home and max_stage2 is not None and len(home) > max_stage2:
            z1 = self._model.stage1_logits(features.hashed([texts[i] for i in home]))
            probs[home] = sigmoid(z1)
            rank = z1 if weights is None else z1 + np.log(np.clip(weights[home], 1e-6, 1.0))
            home = [home[j] for j in sorted(np.argsort(-rank)[:max_stage2].tolist())]
        if home:
            probs[home], _ = self._model.score_texts([texts[i] for i in home], features)
        return probs

    def _categories(self, item: DetectorInput, score: float, template: bool) -> dict[str, float]:
        text = item.normalised.normalised
        cats = {CATEGORY: score}
        for name, rule in _RULES.items():
            if rule.search(text):
                cats[name] = score
        if template:
            cats["template_tokens"] = score
        if item.source in ("tool", "document"):
            cats["indirect"] = score
        return {k: round(v, 4) for k, v in cats.items()}

    @staticmethod
    def _finding(text: str, span: tuple[int, int], score: float, category: str) -> Finding:
        start, end = span
        return Finding(
            start=start,
            end=end,
            text=text[start:end][:200],
            category=category,
            score=min(1.0, max(0.0, score)),
        )
