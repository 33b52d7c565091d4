"""Checksums and plausibility rules that turn regex candidates into calibrated PII findings.

Presidio's pattern recognizers find candidates; these pure functions decide how much to trust
each one. Why a separate layer: Presidio scores a Luhn-valid 16-digit order number the same as a
card next to the word "Visa", misses 2-series Mastercard and 19-digit cards, and its phone
matcher is both slow and happy with dates. Each ``*_score`` function returns a calibrated
confidence in [0, 1] (0.5 = our own decision point) or 0.0 to drop the candidate.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

PATTERN_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
)  # fmt: skip
NER_ENTITIES = ("PERSON", "LOCATION")

# Lengths from the SWIFT IBAN registry for the countries that issue IBANs.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

# (prefix ranges, allowed lengths) per card scheme; a prefix range is (low, high, n_digits).
_CARD_SCHEMES: tuple[tuple[tuple[tuple[int, int, int], ...], frozenset[int]], ...] = (
    (((4, 4, 1),), frozenset({13, 16, 19})),  # Visa
    (((51, 55, 2), (2221, 2720, 4)), frozenset({16})),  # Mastercard
    (((34, 34, 2), (37, 37, 2)), frozenset({15})),  # American Express
    (((6011, 6011, 4), (644, 649, 3), (65, 65, 2)), frozenset(range(16, 20))),  # Discover
    (((3528, 3589, 4),), frozenset(range(16, 20))),  # JCB
    (((1800, 1800, 4), (2131, 2131, 4)), frozenset({15})),  # JCB (old ranges)
    (((300, 305, 3), (36, 36, 2), (38, 39, 2)), frozenset(range(14, 20))),  # Diners Club
    (((62, 62, 2),), frozenset(range(16, 20))),  # UnionPay
    (((50, 50, 2), (56, 69, 2)), frozenset(range(12, 20))),  # Maestro
)

_PLACEHOLDER_SSNS = frozenset({"123456789", "987654320", "078051120", "219099999"})
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bfw|\brev|\bsdk|\bpatch|"
    r"\bupdate|\bupgrade(?:d)?(?: to)?|\bbump(?:ed)?(?: to)?|==|>=|<=|~=)\s*:?\s*$",
    re.IGNORECASE,
)
_DATE = re.compile(r"^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4})$")
_PHONE_SEPS = re.compile(r"[\s.\-()]+")
_SSN_SHAPE = re.compile(r"\d{3}\D\d{2}\D\d{4}")
_SSN_LIKE = re.compile(r"^\d{3}([- .])\d{2}\1\d{4}$")  # an SSN's grouping, never a phone's
_ZIP_PLUS_4 = re.compile(r"^\d{5}-\d{4}$")
_NANP = re.compile(
    r"^(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?$"
)


def digits_of(text: str) -> str:
    """Only the ASCII digits of ``text``."""
    return "".join(c for c in text if "0" <= c <= "9")


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) > 1 and total % 10 == 0


def card_scheme_ok(digits: str) -> bool:
    """Whether the prefix (IIN) and length belong to a real card scheme."""
    for ranges, lengths in _CARD_SCHEMES:
        if len(digits) not in lengths:
            continue
        for low, high, n in ranges:
            if low <= int(digits[:n]) <= high:
                return True
    return False


def card_score(candidate: str, before: str) -> float:
    """Confidence that ``candidate`` is a payment card number (0 drops it)."""
    digits = digits_of(candidate)
    if not 12 <= len(digits) <= 19 or not luhn_ok(digits) or len(set(digits)) == 1:
        return 0.0
    seps = {c for c in candidate if not c.isdigit()}
    if len(seps) > 1:
        return 0.0
    scheme = card_scheme_ok(digits)
    if has_context(before, _REFERENCE_WORDS) and not has_context(before, _CARD_WORDS):
        return 0.35 if scheme else 0.0
    if scheme:
        return 0.97
    return 0.6 if has_context(before, _CARD_WORDS) else 0.0


def iban_ok(candidate: str) -> bool:
    """ISO 13616 check: known country, registry length and mod-97 remainder of 1."""
    compact = "".join(candidate.split()).upper()
    country = compact[:2]
    if IBAN_LENGTHS.get(country) != len(compact) or not compact.isalnum():
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def ssn_score(candidate: str, before: str) -> float:
    """Confidence for a US SSN: SSA-issuable area/group/serial, consistent delimiters."""
    digits = digits_of(candidate)
    if len(digits) != 9 or digits in _PLACEHOLDER_SSNS or len(set(digits)) == 1:
        return 0.0
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return 0.0
    seps = [c for c in candidate if not c.isdigit()]
    context = has_context(before, _SSN_WORDS)
    if not seps:
        return 0.85 if context else 0.0
    if len(seps) != 2 or seps[0] != seps[1] or not _SSN_SHAPE.fullmatch(candidate):
        return 0.0
    if context:
        return 0.97
    return 0.85 if seps[0] == "-" else 0.6


def ip_score(candidate: str, before: str) -> float:
    """Confidence for an IP address; dotted quads after a version keyword are versions."""
    address = candidate.split("/", 1)[0].split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return 0.0
    if ip.version == 4 and _VERSION_BEFORE.search(before[-24:]):
        return 0.0
    if ip.is_unspecified:
        return 0.0
    return 0.6 if ip.is_loopback else 0.9


def phone_shape_ok(candidate: str) -> bool:
    """Cheap structural filter run before the (slower) phonenumbers validation."""
    digits = digits_of(candidate)
    if not 7 <= len(digits) <= 15 or _DATE.match(candidate):
        return False
    if len(set(digits)) <= 2 or _SSN_LIKE.match(candidate):
        return False
    groups = _PHONE_SEPS.split(candidate.strip("+() "))
    return not (candidate.count(".") == 3 and all(len(g) <= 3 for g in groups))


def phone_score(candidate: str, before: str, is_valid: Callable[[str, bool], bool]) -> float:
    """Confidence for a phone number from its format, context and validity.

    ``is_valid(candidate, us_only)`` is the (slow) ``phonenumbers`` check, called only for
    candidates whose format and context could make them a phone number.
    """
    context = has_context(before, _PHONE_WORDS)
    if not context and (has_context(before, _REFERENCE_WORDS) or has_context(before, _CARD_WORDS)):
        return 0.0
    if candidate.startswith(("+", "00")):
        return (0.95 if context else 0.85) if is_valid(candidate, False) else 0.0
    if _NANP.match(candidate):
        return (0.93 if context else 0.8) if is_valid(candidate, True) else 0.0
    grouped = any(c in candidate for c in " -.()")
    if _ZIP_PLUS_4.match(candidate) and not context:
        return 0.0
    if not (grouped or context) or not is_valid(candidate, False):
        return 0.0
    return 0.85 if context else 0.6


def _words(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)


_CARD_WORDS = _words(
    "card", "visa", "mastercard", "amex", "cc", "credit", "debit", "pan", "payment",
)  # fmt: skip
_SSN_WORDS = _words("ssn", "social security", "social-security", "ss#", "ss #", "taxpayer")
_PHONE_WORDS = _words(
    "phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "sms", "text me", "dial",
    "ring", "reach me", "contact", "landline", "hotline", "telephone", "number is",
)  # fmt: skip
_REFERENCE_WORDS = _words(
    "order", "tracking", "invoice", "ticket", "ref", "reference", "isbn", "serial", "sku",
    "account no", "case", "confirmation", "booking", "po", "shipment", "parcel", "receipt",
    "zip", "postcode", "postal",
)  # fmt: skip


def has_context(before: str, words: re.Pattern[str]) -> bool:
    """Whether one of ``words`` starts a word in the (up to 40) characters before a candidate."""
    return words.search(before[-40:]) is not None
