"""Seeded generator of a labelled PII / secrets test set, written for this project.

Every template, name list and value format below is our own; values are synthetic (checksums
computed here, never real people or real keys). Positives carry character spans; negatives are
look-alikes that must NOT fire: failed-Luhn cards, order / tracking / invoice numbers,
version strings after a version keyword, dates, timestamps, ISBNs, ZIP codes and hashes.

Usage: ``PYTHONPATH=. .venv/bin/python -m training.gen_pii_testset --out out/pii_testset``
writes ``pii.jsonl`` and ``secrets.jsonl``; the quality bench calls ``pii_examples`` directly.
"""

from __future__ import annotations

import argparse
import json
import random
import string
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from training._secret_testset import secret_examples

FIRST = ["maria", "jonas", "aiko", "tomasz", "leila", "sam", "priya", "owen", "fatima", "lucas"]
LAST = ["okafor", "lindqvist", "tanaka", "novak", "haddad", "reyes", "iyer", "walsh", "berg"]
DOMAINS = ["gmail.com", "outlook.com", "acme-corp.io", "uni-leiden.nl", "mail.co.uk", "web.de",
           "proton.me", "northwind.org", "fabrikam.com", "contoso.net"]  # fmt: skip
UK_MOBILE = ["7800", "7956", "7723", "7507", "7412", "7879", "7521", "7481"]  # allocated ranges
US_AREAS = ["212", "415", "312", "617", "206", "303", "512", "702", "404", "713", "646", "971"]


@dataclass
class Example:
    """One sentence with its labelled entity spans (empty for look-alike negatives)."""

    text: str
    spans: list[dict[str, object]] = field(default_factory=list)
    kind: str = "positive"
    template: str = ""


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))


def card(rng: random.Random, valid: bool = True) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15),
         ("37", 15), ("6011", 16), ("4", 13), ("3530", 16)]
    )  # fmt: skip
    body = prefix + _digits(rng, length - len(prefix) - 1)
    check = _luhn_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    number = body + check
    sep = rng.choice(["", " ", "-"])
    if length == 15:
        return sep.join([number[:4], number[4:10], number[10:]]) if sep else number
    if length == 13 or not sep:
        return number
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("DE", _digits(rng, 18)),
            ("GB", _letters(rng, 4) + _digits(rng, 14)),
            ("NL", _letters(rng, 4) + _digits(rng, 10)),
            ("FR", _digits(rng, 23)),
            ("ES", _digits(rng, 20)),
            ("CH", _digits(rng, 17)),
        ]
    )
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    parts = (f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}")
    return "-".join(parts)


def phone(rng: random.Random) -> str:
    area, exch, line = rng.choice(US_AREAS), str(rng.randint(201, 989)), _digits(rng, 4)
    if exch.endswith("11") or exch == "555":
        exch = "472"
    mobile_uk = f"{rng.choice(UK_MOBILE)} {_digits(rng, 6)}"
    return rng.choice(
        [
            f"({area}) {exch}-{line}", f"{area}-{exch}-{line}", f"{area}.{exch}.{line}",
            f"+1 {area} {exch} {line}", f"+1-{area}-{exch}-{line}", f"+44 {mobile_uk}",
            f"0{mobile_uk}", f"+33 6 {rng.randint(10, 38)} "
            + " ".join(_digits(rng, 2) for _ in range(3)),  # 0639, 069x: overseas
            f"+49 30 {_digits(rng, 8)}", f"+91 9{_digits(rng, 4)} {_digits(rng, 5)}",
        ]
    )  # fmt: skip


def email(rng: random.Random) -> str:
    f, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{f}.{last}", f"{f[0]}{last}", f"{f}_{last}{rng.randint(1, 99)}", f])
    return f"{local}@{rng.choice(DOMAINS)}"


def ip(rng: random.Random) -> str:
    if rng.random() < 0.65:
        first = rng.choice([10, 23, 45, 81, 102, 151, 172, 185, 192, 203])
        return ".".join(str(x) for x in (first, *(rng.randint(0, 255) for _ in range(3))))
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    return rng.choice(["2001:db8:" + ":".join(groups[2:]), f"fe80::{groups[4]}:{groups[5]}",
                       f"2a02:{groups[1]}:{groups[2]}::{groups[7]}"])  # fmt: skip


VALUES: dict[str, Callable[[random.Random], str]] = {
    "EMAIL_ADDRESS": email, "PHONE_NUMBER": phone, "CREDIT_CARD": card,
    "IBAN_CODE": iban, "US_SSN": ssn, "IP_ADDRESS": ip,
}  # fmt: skip

# Templates: {E:ENTITY} slots are filled with generated values and labelled.
TEMPLATES = [
    "Hi, you can reach me at {E:PHONE_NUMBER} after 6pm.",
    "Please send the signed contract to {E:EMAIL_ADDRESS} by Thursday.",
    "My card number is {E:CREDIT_CARD}, expiry 09/27.",
    "Charge it to {E:CREDIT_CARD} please, the billing zip is 30301.",
    "Wire the deposit to IBAN {E:IBAN_CODE} (reference: flat 4B).",
    "Our bank details: {E:IBAN_CODE}, beneficiary Northwind Ltd.",
    "SSN: {E:US_SSN}",
    "For the background check I entered my social security number {E:US_SSN}.",
    "The login came from {E:IP_ADDRESS} at 03:12 UTC.",
    "2024-05-02T11:04:19Z WARN auth failed user=ops src={E:IP_ADDRESS} attempts=3",
    "Contact: {E:EMAIL_ADDRESS} | Tel: {E:PHONE_NUMBER}",
    '{{"name": "customer", "email": "{E:EMAIL_ADDRESS}", "phone": "{E:PHONE_NUMBER}"}}',
    "name,email,card\nR. Ahmed,{E:EMAIL_ADDRESS},{E:CREDIT_CARD}",
    "| field | value |\n|---|---|\n| mobile | {E:PHONE_NUMBER} |\n| iban | {E:IBAN_CODE} |",
    "Can you call {E:PHONE_NUMBER} and tell them the server {E:IP_ADDRESS} is down?",
    "forwarding this from {E:EMAIL_ADDRESS}: can you update my payment card to {E:CREDIT_CARD}?",
    "ssh admin@{E:IP_ADDRESS} -p 2222",
    "My SSN is {E:US_SSN} and my phone is {E:PHONE_NUMBER}.",
    "Whitelist {E:IP_ADDRESS} and {E:IP_ADDRESS} in the firewall.",
    "cc: {E:EMAIL_ADDRESS}, {E:EMAIL_ADDRESS}",
    "Refund to card {E:CREDIT_CARD} failed; please retry or pay into {E:IBAN_CODE}.",
    "Text me on {E:PHONE_NUMBER} when you land.",
    "Employee record: id 4471, ssn {E:US_SSN}, start date 2021-09-01.",
    "The DNS resolver at {E:IP_ADDRESS} stopped answering after the 1.4.2 upgrade.",
]

NEGATIVES = [
    "Order #{ORDER} has shipped and should arrive on {DATE}.",
    "Your order number is {ORDERNUM}; keep it for returns.",
    "Tracking number {TRACK} - estimated delivery {DATE}.",
    "Upgrade to version {VER} to fix the crash.",
    "Released v{VER} with faster startup.",
    "pip install requests=={VER}",
    "ISBN {ISBN}, printed {DATE}.",
    "The meeting moved to {DATE} at {TIME}.",
    "Invoice {INVOICE} is overdue by 14 days.",
    "commit {SHA} fixed the flaky test",
    "sha256 checksum: {SHA256}",
    "The card 4111 1111 1111 111{BADDIGIT} was declined because the number is invalid.",
    "Test with card number {BADCARD}; it should fail validation.",
    "Event logged at {DATE} {TIME}.{MS} with latency 12.5 ms.",
    "Ticket {TICKET} was escalated to tier 2.",
    "Mail it to 1600 Main Street, Springfield, ZIP {ZIP}.",
    "The total came to $1,284.50 for 3 items on {DATE}.",
    "Build {VER} passed 1,024 of 1,031 tests in 18.2 seconds.",
    "Ref {ORDERNUM} - please quote this on all correspondence.",
    "Coordinates: 37.7749, -122.4194; elevation 16 m.",
    "Unix time {EPOCH} corresponds to the outage start.",
    "The release notes for firmware {VER} list three fixes.",
]


def _fill_negative(template: str, rng: random.Random) -> str:
    d = f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    slots = {
        "ORDER": f"{rng.choice('ABCDXYZ')}{rng.randint(1, 99)}-{_digits(rng, 6)}",
        "ORDERNUM": _digits(rng, rng.choice([8, 10, 12, 16])),
        "TRACK": rng.choice([f"1Z{_digits(rng, 3)}AA1{_digits(rng, 10)}",
                             " ".join(_digits(rng, 4) for _ in range(5)) + " " + _digits(rng, 2),
                             " ".join(_digits(rng, 4) for _ in range(3))]),  # fmt: skip
        "DATE": rng.choice([d, f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024",
                            f"{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}.2025"]),
        "TIME": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
        "MS": _digits(rng, 3),
        "VER": ".".join(str(rng.randint(0, 12)) for _ in range(rng.choice([3, 4]))),
        "ISBN": rng.choice([f"978-{rng.randint(0, 9)}-{_digits(rng, 3)}-{_digits(rng, 5)}-"
                            f"{rng.randint(0, 9)}", "978" + _digits(rng, 10)]),  # fmt: skip
        "INVOICE": rng.choice([f"INV-{rng.randint(2019, 2026)}-{_digits(rng, 6)}",
                               f"{rng.randint(2019, 2026)}/{_digits(rng, 5)}"]),  # fmt: skip
        "SHA": "".join(rng.choice("0123456789abcdef") for _ in range(40)),
        "SHA256": "".join(rng.choice("0123456789abcdef") for _ in range(64)),
        "BADDIGIT": str(rng.choice([0, 2, 3, 4, 5, 6, 7, 8, 9])),
        "BADCARD": card(rng, valid=False),
        "TICKET": f"{rng.randint(2019, 2026)}-{_digits(rng, 6)}",
        "ZIP": rng.choice([_digits(rng, 5), f"{_digits(rng, 5)}-{_digits(rng, 4)}"]),
        "EPOCH": str(rng.randint(1_500_000_000, 1_800_000_000)),
    }
    return template.format(**slots)


def _fill_positive(template: str, rng: random.Random) -> Example:
    text, spans, rest = "", [], template
    while "{E:" in rest:
        head, _, tail = rest.partition("{E:")
        entity, _, rest = tail.partition("}")
        text += head.replace("{{", "{").replace("}}", "}")
        value = VALUES[entity](rng)
        spans.append({"start": len(text), "end": len(text) + len(value), "entity": entity})
        text += value
    text += rest.replace("{{", "{").replace("}}", "}")
    return Example(text=text, spans=spans, template=template[:40])


def pii_examples(seed: int = 13, n_positive: int = 800, n_negative: int = 500) -> list[Example]:
    """The PII test set: positives with labelled spans, then look-alike negatives."""
    rng = random.Random(seed)
    out = [_fill_positive(rng.choice(TEMPLATES), rng) for _ in range(n_positive)]
    for _ in range(n_negative):
        template = rng.choice(NEGATIVES)
        out.append(Example(_fill_negative(template, rng), [], "negative", template[:40]))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/pii_testset"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("pii", pii_examples(args.seed)), ("secrets", secret_examples(args.seed))):
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for ex in rows:
                fh.write(json.dumps(asdict(ex)) + "\n")
        print(f"wrote {len(rows)} {name} examples to {args.out / (name + '.jsonl')}")


if __name__ == "__main__":
    main()
