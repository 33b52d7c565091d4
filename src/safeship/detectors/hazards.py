"""The hazard taxonomy of harmful requests, aligned with MLCommons AILuminate and Llama Guard.

Policies name these ids (``block: [child_exploitation, indiscriminate_weapons]``), data cards
report per-hazard figures on them, and training maps every source's own labels onto them here,
in one place, so a relabelling is a one-line change that the next training run picks up.

Two source labels have no id of their own and are folded on purpose:

* AILuminate ``dfm`` (defamation) goes to ``non_violent_crimes``: a false damaging claim about a
  real person is a civil or criminal wrong, and policies that treat defamation differently can
  still key on the ``non_violent_crimes`` score.
* AILuminate ``spc_ele`` (election advice) goes to ``elections`` rather than
  ``specialized_advice``, since misleading voters is the harm, not unqualified advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Hazard:
    """One hazard category: a stable id, the Llama Guard code it mirrors, and what it covers."""

    id: str
    llama_guard: str
    description: str


HAZARDS: tuple[Hazard, ...] = (
    Hazard("violent_crimes", "S1", "violence against people or animals, terrorism, murder"),
    Hazard("non_violent_crimes", "S2", "fraud, theft, drugs, weapons trafficking, defamation"),
    Hazard("sex_crimes", "S3", "sexual assault, trafficking, non-consensual imagery"),
    Hazard("child_exploitation", "S4", "sexual abuse or exploitation of minors, grooming"),
    Hazard("specialized_advice", "S6", "unqualified medical, legal or financial advice"),
    Hazard("privacy", "S7", "private data of real people: addresses, records, tracking"),
    Hazard("intellectual_property", "S8", "piracy, counterfeits, reproducing protected works"),
    Hazard(
        "indiscriminate_weapons", "S9", "chemical, biological, radiological, nuclear, explosives"
    ),
    Hazard("hate", "S10", "demeaning or dehumanising people for protected characteristics"),
    Hazard("self_harm", "S11", "suicide, self-injury, disordered eating"),
    Hazard("sexual_content", "S12", "explicit sexual content and pornography"),
    Hazard("elections", "S13", "misleading voters about when, where or how to vote"),
    Hazard("code_abuse", "S14", "malware, intrusion, abuse of code execution"),
)

HAZARD_IDS: tuple[str, ...] = tuple(h.id for h in HAZARDS)
NONE = "none"

AILUMINATE: MappingProxyType[str, str] = MappingProxyType(
    {
        "vcr": "violent_crimes",
        "ncr": "non_violent_crimes",
        "dfm": "non_violent_crimes",
        "src": "sex_crimes",
        "cse": "child_exploitation",
        "spc_fin": "specialized_advice",
        "spc_hlt": "specialized_advice",
        "spc_lgl": "specialized_advice",
        "spc_ele": "elections",
        "prv": "privacy",
        "ipv": "intellectual_property",
        "iwp": "indiscriminate_weapons",
        "hte": "hate",
        "ssh": "self_harm",
        "sxc_prn": "sexual_content",
    }
)
"""AILuminate ``hazard`` codes -> hazard ids."""

DONOTANSWER: MappingProxyType[str, str] = MappingProxyType(
    {
        "S003instructions": "non_violent_crimes",
        "S003goods": "non_violent_crimes",
        "S003illegal": "sex_crimes",
        "S004lewd": "sexual_content",
        "S004erotica": "sexual_content",
        "S004describe": "sexual_content",
        "S005hate": "hate",
        "S007": "hate",
        "S006instructions": "violent_crimes",
        "S006threat": "violent_crimes",
        "S006violence": "violent_crimes",
        "S006items": "indiscriminate_weapons",
        "S006sh": "self_harm",
        "S008code": "code_abuse",
        "S008mal": "code_abuse",
        "S008": "code_abuse",
        "S008phish": "non_violent_crimes",
        "S008spam": "non_violent_crimes",
        "S009private": "privacy",
        "S009personal": "privacy",
        "S009cred": "privacy",
        "S001dis": "elections",
        "S001fabperson": "non_violent_crimes",
    }
)
"""Do-Not-Answer first intent -> hazard id.

Intents left out (chatbot anthropomorphism ``C006*``, climate and trivia ``C009``, advice
seeking ``S002*``, opinion questions ``S001mis``, bullying of a named relative ``S005bully``,
profanity ``S005profanity``) are not harmful requests in our sense, or are the toxicity
detector's job; training drops them rather than calling them benign.
"""


HEAD_ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {
        "suicide_self_harm": "self_harm",
        "nonviolent_crimes": "non_violent_crimes",
        "defamation": "non_violent_crimes",
        "sex_related_crimes": "sex_crimes",
        "child_sexual_exploitation": "child_exploitation",
    }
)
"""Labels of category heads trained on MLCommons-style names -> our hazard ids."""


def canonical_hazards(probs: dict[str, float]) -> dict[str, float]:
    """A head's probabilities under our hazard ids, merging labels that share one.

    Why: ``harmful_response``'s head was trained on MLCommons v0.5 label names
    (``suicide_self_harm``), ``harmful_request``'s on ours (``self_harm``). Reported as-is, a
    policy's ``self_harm`` threshold, action and crisis-resources refusal never applied to a
    model's answer. Defamation is a non-violent crime here, as in the AILuminate mapping above.
    """
    out: dict[str, float] = {}
    for label, p in probs.items():
        key = HEAD_ALIASES.get(label, label)
        out[key] = out.get(key, 0.0) + p
    return out


def hazard(hazard_id: str) -> Hazard:
    """Look a hazard up by id; raises ``KeyError`` naming the unknown id."""
    for h in HAZARDS:
        if h.id == hazard_id:
            return h
    raise KeyError(f"unknown hazard id {hazard_id!r}; known: {', '.join(HAZARD_IDS)}")
