"""Encoding attacks: the request disguised so a keyword filter (or a shallow model) misses it.

They reuse the seeded transforms of :mod:`safeship.text.obfuscate`, the same disguises the
detector quality bench checks the normaliser against, so red team and bench stay in step.
"""

from __future__ import annotations

import random

from safeship.evals.attacks._base import register_attack, request_text, with_request
from safeship.evals.suite import Case
from safeship.text.obfuscate import TRANSFORMS

ENCODINGS = ("base64", "rot13", "leetspeak", "homoglyph", "zero_width", "spacing")
"""Attacks registered here, each under the name of the obfuscation transform it applies."""


def _encoding(transform: str) -> None:
    def attack(case: Case, rng: random.Random) -> Case:
        return with_request(case, TRANSFORMS[transform](request_text(case), rng))

    attack.__doc__ = f"Disguise the request with the {transform!r} obfuscation."
    register_attack(transform)(attack)


for _name in ENCODINGS:
    _encoding(_name)
