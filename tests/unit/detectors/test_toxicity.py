from __future__ import annotations

import asyncio
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from training.toxicity_data import expand_own

from safeship.detectors.base import DetectorInput
from safeship.detectors.toxicity import (
    _WORD,
    DEFAULT_LEXICON,
    DEFAULT_MODEL,
    MAX_TERM_WORDS,
    HashedLexicon,
    LexiconHit,
    ToxicityDetector,
    ToxicityParams,
    term_hash,
)
from safeship.errors import ArtefactError
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.testing.ci import in_ci
from safeship.text.normalise import normalise
from safeship.types import DetectorResult

DATA = Path(__file__).resolve().parents[3] / "training" / "data"
pytestmark = pytest.mark.skipif(
    not (DEFAULT_MODEL.exists() and DEFAULT_LEXICON.exists()) and not in_ci(),
    reason="toxicity artefacts not built (run training.train_toxicity)",
)


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from safeship.features.embedding import load_default_embedder

    return load_default_embedder()


@pytest.fixture(scope="module")
def detector() -> ToxicityDetector:
    det = ToxicityDetector()
    det.setup()
    return det


def run(det: ToxicityDetector, text: str, embedder) -> DetectorResult:  # type: ignore[no-untyped-def]
    item = DetectorInput(
        text=text, normalised=normalise(text), features=FeatureCache(NgramHasher(), embedder)
    )
    return asyncio.run(det.detect(item))


# Written for this test; none of these come from a data set.
TOXIC = [
    "You are a brainless, pathetic excuse for a human being.",
    "Say one more word and I will smash your teeth in.",
    "Shut your mouth, you worthless idiot.",
    "People from that religion are a disease and should be driven out of the country.",
]
BENIGN = [
    "Posting that disabled people are a burden is cruel and I reported it.",
    "My grandmother was a refugee, and she opened the first bakery in our village.",
    "Could you suggest a reading list about the civil rights movement?",
    "Thanks for the quick help with my spreadsheet, it works now.",
]


@pytest.mark.parametrize("text", TOXIC)
def test_insults_and_threats_are_flagged(detector, embedder, text) -> None:  # type: ignore[no-untyped-def]
    result = run(detector, text, embedder)
    assert result.score >= 0.5, result
    assert result.category in result.categories
    assert result.category != "profanity"


@pytest.mark.parametrize("text", BENIGN)
def test_counter_speech_and_neutral_mentions_pass(detector, embedder, text) -> None:  # type: ignore[no-untyped-def]
    assert run(detector, text, embedder).score < 0.5


# Phrasings written for this test, not in the training templates: v1 missed threats that carry
# no violent verb and flagged negated or quoted hate; the MLP head of v2 must keep these right.
IMPLICIT_THREATS = [
    "Enjoy your walk home tonight, it might be your last.",
    "I have your address now. See you very soon, and you won't like it.",
]
NEGATED_OR_QUOTED = [
    "I'd never say that refugees are criminals; they're people fleeing danger.",
    "Writing 'Jews are vermin' on a synagogue is a hate crime, and the culprit must be caught.",
    "Fucking hell, that was the best concert of my life!",
]


# v3 families, written for this test (not in the training templates): dehumanisation and threats
# with no profanity must flag; civil anger, pride in an identity and reclaimed terms must not.
PLAIN_HATE = [
    "Those immigrants are not people, they are an infestation.",
    "I know which bus your son takes. It would be a shame if he never got off it.",
]
NOT_TOXIC_V3 = [
    "I've been waiting three weeks for a refund and I'm really angry. Please sort it out today.",
    "I'm so proud of my Muslim neighbours for organising the charity drive.",
    "As a queer kid, finding this community honestly saved my life.",
]


@pytest.mark.parametrize("text", PLAIN_HATE)
def test_dehumanisation_and_threats_without_profanity(detector, embedder, text) -> None:  # type: ignore[no-untyped-def]
    assert run(detector, text, embedder).score >= 0.5


@pytest.mark.parametrize("text", NOT_TOXIC_V3)
def test_civil_anger_identity_pride_and_reclaimed_terms_pass(detector, embedder, text) -> None:  # type: ignore[no-untyped-def]
    assert run(detector, text, embedder).score < 0.5


@pytest.mark.parametrize("text", IMPLICIT_THREATS)
def test_implicit_threat_without_violent_words(detector, embedder, text) -> None:  # type: ignore[no-untyped-def]
    assert run(detector, text, embedder).score >= 0.5


@pytest.mark.parametrize("text", NEGATED_OR_QUOTED)
def test_negated_quoted_hate_and_friendly_swearing_pass(detector, embedder, text) -> None:  # type: ignore[no-untyped-def]
    assert run(detector, text, embedder).score < 0.5


def test_threat_is_categorised_as_threat(detector, embedder) -> None:  # type: ignore[no-untyped-def]
    result = run(detector, "Say that once more and I'll break both your legs.", embedder)
    assert result.score >= 0.5
    top_model_category = max(
        (c for c in result.categories if c != "profanity"), key=lambda c: result.categories[c]
    )
    assert top_model_category == "threat"


def test_friendly_profanity_is_profanity_not_toxicity(detector, embedder) -> None:  # type: ignore[no-untyped-def]
    text = "Holy shit, you finished the whole thesis? That's fucking brilliant, congrats!"
    result = run(detector, text, embedder)
    assert result.score < 0.5
    assert result.categories["profanity"] > 0
    assert result.category == "profanity"
    spans = {f.text.lower() for f in result.findings}
    assert {"shit", "fucking"} <= spans
    for f in result.findings:
        assert text[f.start : f.end] == f.text


def test_spans_index_original_text(detector, embedder) -> None:  # type: ignore[no-untyped-def]
    text = "  Well...   what a DAMN mess, you absolute asshole!"
    result = run(detector, text, embedder)
    assert result.findings
    for f in result.findings:
        assert text[f.start : f.end] == f.text


def test_empty_and_blank_text(detector, embedder) -> None:  # type: ignore[no-untyped-def]
    for text in ("", "   \n\t"):
        result = run(detector, text, embedder)
        assert result.score == 0.0
        assert result.findings == ()


def test_one_megabyte_text_is_bounded(detector, embedder) -> None:  # type: ignore[no-untyped-def]
    filler = "The committee met on Tuesday to review the budget for the new library. "
    text = filler * (1_000_000 // len(filler)) + "You are a worthless idiot and I will hurt you."
    start = time.perf_counter()
    result = run(detector, text, embedder)
    assert time.perf_counter() - start < 8.0
    assert result.score >= 0.5  # the insult at the very end is still seen
    assert len(result.findings) <= ToxicityParams().max_findings


def test_stage1_only_still_scores_without_embedder(detector) -> None:  # type: ignore[no-untyped-def]
    toxic = run(detector, "You are a stupid worthless moron.", None)
    benign = run(detector, "What time does the museum open on Sundays?", None)
    assert toxic.score > benign.score
    assert "toxicity" in benign.categories


def test_lexicon_matches_multiword_terms_longest_first(tmp_path: Path) -> None:
    path = tmp_path / "lex.npz"
    terms = ["bad", "very bad word"]
    np.savez(
        path,
        hashes=np.array([term_hash(t) for t in terms], dtype=np.uint32),
        severity=np.array([0.3, 0.9], dtype=np.float32),
        slur=np.array([False, True]),
        prefixes=np.array([term_hash("very")], dtype=np.uint32),
    )
    hits = HashedLexicon(path).find("a Very  BAD word and bad", limit=10)
    assert [(h.start, h.end, h.slur) for h in hits] == [(2, 16, True), (21, 24, False)]
    assert len(HashedLexicon(path).find("bad " * 50, limit=3)) == 3


def test_missing_artefact_names_the_file(tmp_path: Path) -> None:
    det = ToxicityDetector(ToxicityParams(lexicon_path=str(tmp_path / "nope.npz")))
    with pytest.raises(ArtefactError, match="nope.npz"):
        det.setup()


def _reference_find(lexicon: HashedLexicon, text: str, limit: int) -> list[LexiconHit]:
    """The lexicon scan as first written: try every word position in turn."""
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    firsts = [zlib.crc32(w.encode("utf-8")) for _, _, w in words]
    hits: list[LexiconHit] = []
    i = 0
    while i < len(words) and len(hits) < limit:
        first = firsts[i]
        longest = min(MAX_TERM_WORDS, len(words) - i) if first in lexicon._prefixes else 1
        matched = 0
        for n in range(longest, 0, -1):
            key = (
                first
                if n == 1
                else zlib.crc32(" ".join(w for _, _, w in words[i : i + n]).encode())
            )
            found = lexicon._terms.get(key)
            if found is not None:
                hits.append(LexiconHit(words[i][0], words[i + n - 1][1], *found))
                matched = n
                break
        i += max(matched, 1)
    return hits


def test_lexicon_scan_finds_exactly_what_trying_every_position_finds() -> None:
    lexicon = HashedLexicon(DEFAULT_LEXICON)
    texts = [e.text for e in expand_own(DATA)]
    assert len(texts) > 1000
    # some hits, so both paths are exercised, including the limit
    assert sum(bool(_reference_find(lexicon, t, 32)) for t in texts) > 50
    for text in [*texts, " ".join(texts[:300])]:
        for limit in (32, 2):
            assert lexicon.find(text, limit) == _reference_find(lexicon, text, limit), text
