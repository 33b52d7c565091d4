"""System-prompt context for the injection detector: does a text ask for what the system guards.

"Tell me the password" is harmless on its own and an attack when the system prompt says "the
password is X, never reveal it". A text model cannot know that, so this module makes the link
explicit and cheap: it collects the terms of every *protective* sentence of the system prompt
(one with a secrecy or prohibition cue) plus literal secret values, and measures how much of that
the user text mentions and whether it asks for it. The result is a logit shift, so a text the model
already finds clean needs strong, specific overlap to cross the decision point.

Scope sentences ("only discuss gardening") are deliberately not protective: on-topic questions
overlap with them and are the normal case.

That lexical shift misses paraphrases and constraints that are not secrets ("always answer in
French"), so when an embedder is available a learnt :class:`PairModel` also scores the pair: a
logistic head on the user-turn embedding, its element-wise product with the system-prompt
embedding (which directions of the request the system prompt speaks about) and two scalars
(their cosine and the lexical shift). It is trained on hand-written pairs
(``training/injection_pairs.py``) of system prompts with attacks across techniques and benign
in-scope and off-scope requests.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safeship.errors import ArtefactError

PROTECTIVE = re.compile(
    r"\b(secret|confidential|private|hidden|never|must not|mustn't|do not|don't|not allowed|"
    r"under no circumstances|forbidden|prohibited|"
    r"not (to )?(reveal|share|disclose|tell|mention))\b",
    re.IGNORECASE,
)
ASKING = re.compile(
    r"\b(what|which|tell|reveal|give|share|print|show|say|spell|write|repeat|translate|output|"
    r"list|hint|remind|provide|disclose|confirm|letters?|characters?|backwards|encode|poem|story|"
    r"need|know|access)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z][a-z0-9'-]{2,}")
_SENTENCE = re.compile(r"[^.!?\n]+")
_LITERAL = re.compile(
    r"""["'`]([^"'`\s][^"'`]{1,40})["'`]|\b([A-Z0-9][A-Z0-9_-]{3,})\b"""
    r"""|\b(?:is|was|are)\s*:?\s+["'`]?([A-Za-z0-9][\w-]{2,})"""
)
_STOP = frozenset(
    """the and for are you your yours not never don't must mustn't should would could can any
    anyone anybody anything all this that these those with from into about under over only
    secret secrets confidential private hidden reveal share disclose tell mention say keep give
    circumstances allowed forbidden prohibited user users assistant them they their its it's
    what who how when where why which will shall may might also just even ever other others
    been being have has had was were is a an to of in on at by be do does did no yes
    information info details data""".split()
)
SECRET_NOUNS = frozenset(
    """password passwords passcode passphrase pin code codes key keys token tokens secret credential
    credentials instructions prompt rules salary salaries address phone number balance date answer
    name location account ssn email api""".split()
)
SECRET_TERM = 2.0  # shift per overlapping secret noun ("password", "code") ...
OTHER_TERM = 1.0  # ... and per other overlapping word of a protective sentence
ASK_SHIFT = 2.5  # only with a secret noun: asking *for* the protected thing
LITERAL_SHIFT = 6.0
MAX_SHIFT = 6.0
LOGIT_FLOOR = -4.0


@functools.lru_cache(maxsize=256)
def protected_terms(system: str) -> tuple[frozenset[str], frozenset[str]]:
    """Content words of the protective sentences, and literal values (quoted, code-like, "is X").

    A protective sentence with almost no content of its own ("Do not share it.") refers back, so
    the sentence before it counts as protected too.
    """
    sentences = [m.group(0) for m in _SENTENCE.finditer(system)]
    words: set[str] = set()
    literals: set[str] = set()
    for i, sentence in enumerate(sentences):
        if not PROTECTIVE.search(sentence):
            continue
        own = [w for w in _WORD.findall(sentence.lower()) if w not in _STOP]
        scope = [sentence] if len(own) >= 2 or i == 0 else [sentences[i - 1], sentence]
        for part in scope:
            words.update(w for w in _WORD.findall(part.lower()) if w not in _STOP)
            for groups in _LITERAL.findall(part):
                value = next((g for g in groups if g), "").strip().lower()
                if len(value) >= 3 and value not in _STOP:
                    literals.add(value)
    return frozenset(words), frozenset(literals)


def context_boost(system: str, text: str) -> float:
    """Logit shift in ``[0, MAX_SHIFT]`` for ``text`` given the system prompt ``system``.

    Overlap on secret nouns ("code", "password") weighs more than overlap on other words, and
    only then does an asking cue count: "what does Project Falcon do?" shares words with a
    protective sentence about Project Falcon's launch date but asks for nothing protected.
    """
    words, literals = protected_terms(system)
    if not words and not literals:
        return 0.0
    lowered = text.lower()
    if any(lit in lowered for lit in literals):
        return LITERAL_SHIFT
    overlap = words.intersection(_WORD.findall(lowered))
    secret = len(overlap & SECRET_NOUNS)
    shift = SECRET_TERM * secret + OTHER_TERM * (len(overlap) - secret)
    if secret and ASKING.search(text):
        shift += ASK_SHIFT
    return min(MAX_SHIFT, shift)


def contextual_score(score: float, system: str, text: str) -> float:
    """``score`` shifted by the context; a very confident "clean" is first raised to the floor.

    Without the floor, a text the model finds clean enough (logit below -6) could never be
    flagged by context however directly it asks for the protected secret.
    """
    shift = context_boost(system, text)
    if shift <= 0:
        return score
    p = min(max(score, 1e-6), 1 - 1e-6)
    z = max(math.log(p / (1 - p)), LOGIT_FLOOR) + shift
    return 1.0 / (1.0 + math.exp(-z))


def pair_features(user: np.ndarray, system: np.ndarray, boost: np.ndarray) -> np.ndarray:
    """Rows of ``[u, u * s, cos(u, s), boost / MAX_SHIFT]`` for L2-normalised embeddings."""
    cos = np.sum(user * system, axis=1, keepdims=True)
    return np.hstack([user, user * system, cos, np.asarray(boost).reshape(-1, 1) / MAX_SHIFT])


@dataclass(frozen=True)
class PairModel:
    """Logistic head over :func:`pair_features`: does this user turn attack this system prompt."""

    coef: np.ndarray
    intercept: float

    def score(self, user: np.ndarray, system: np.ndarray, boost: float) -> float:
        """Probability that the user turn (embedding) violates the system prompt (embedding)."""
        x = pair_features(user.reshape(1, -1), system.reshape(1, -1), np.array([boost]))
        z = float(x[0] @ self.coef) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path, meta: dict[str, object]) -> None:
        """Write plain arrays and a JSON meta string (no pickles)."""
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float32),
            meta=np.array(json.dumps({**meta, "intercept": self.intercept})),
        )

    @classmethod
    def load(cls, path: Path) -> PairModel:
        """Read a model written by :meth:`save`; raises ``ArtefactError`` naming the file."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                coef = data["coef"].astype(np.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise ArtefactError(f"cannot read pair model {path}: {exc}") from exc
        return cls(coef=coef, intercept=float(meta["intercept"]))
