"""Seeded fake credentials with the right shapes, and look-alikes that must not fire.

Every key here is random (never a real credential); shapes follow each provider's documented
format. Look-alikes: UUIDs, git SHAs, placeholders (``sk-xxxx``, ``<YOUR_API_KEY>``), env-var
references, base64 images, JWT-shaped strings whose header is not JSON, low-entropy passwords.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.gen_pii_testset import Example

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(rng: random.Random) -> str:
    header = _b64url(json.dumps({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}).encode())
    payload = _b64url(json.dumps({"sub": str(rng.randint(1, 10**9)), "iat": 1700000000}).encode())
    return f"{header}.{payload}.{_r(rng, ALNUM + '-_', 43)}"


def _pem(rng: random.Random) -> str:
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
    lines = "\n".join(_r(rng, B64, 64) for _ in range(rng.randint(3, 8)))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----"


def _password(rng: random.Random) -> str:
    return _r(rng, ALNUM, rng.randint(6, 10)) + rng.choice("!#%&*@^") + _r(rng, ALNUM, 4)


SECRETS: dict[str, Callable[[random.Random], str]] = {
    "AWS_ACCESS_KEY_ID": lambda r: "AKIA" + _r(r, string.ascii_uppercase + "234567", 16),
    "GCP_API_KEY": lambda r: "AIza" + _r(r, ALNUM + "-_", 35),
    "GITHUB_TOKEN": lambda r: r.choice(["ghp_", "gho_", "ghs_"]) + _r(r, ALNUM, 36),
    "SLACK_TOKEN": lambda r: f"xoxb-{_r(r, string.digits, 12)}-{_r(r, string.digits, 13)}-"
    + _r(r, ALNUM, 24),
    "SLACK_WEBHOOK": lambda r: "https://hooks.slack.com/services/T"
    + _r(r, string.ascii_uppercase + string.digits, 8)
    + "/B"
    + _r(r, string.ascii_uppercase + string.digits, 10)
    + "/"
    + _r(r, ALNUM, 24),
    "STRIPE_SECRET_KEY": lambda r: r.choice(["sk_live_", "rk_live_"]) + _r(r, ALNUM, 24),
    "OPENAI_API_KEY": lambda r: r.choice(["sk-", "sk-proj-"]) + _r(r, ALNUM, 48),
    "ANTHROPIC_API_KEY": lambda r: "sk-ant-api03-" + _r(r, ALNUM + "-_", 93) + "AA",
    "TWILIO_API_KEY": lambda r: "SK" + _r(r, "0123456789abcdef", 32),
    "SENDGRID_API_KEY": lambda r: f"SG.{_r(r, ALNUM, 22)}.{_r(r, ALNUM + '-_', 43)}",
    "JWT": _jwt,
    "PRIVATE_KEY": _pem,
}

TEMPLATES = [
    "Here is my key, can you check why it fails? {S}",
    "export TOKEN={S}",
    "curl -H 'Authorization: Bearer {S}' https://api.internal/v1/jobs",
    '{{"credentials": {{"key": "{S}", "region": "eu-west-1"}}}}',
    "config:\n  provider: prod\n  secret: {S}\n  retries: 3",
    "I accidentally committed {S} to the public repo yesterday.",
    "webhook_url = \"{S}\"",
    "The CI log printed {S} before the step failed.",
]

ASSIGNMENTS = [
    ("DB_PASSWORD={S}", "GENERIC_SECRET", _password),
    ("password: \"{S}\"", "GENERIC_SECRET", _password),
    ("client_secret = '{S}'", "GENERIC_SECRET", lambda r: _r(r, ALNUM + "-_", 32)),
    ("api_key: {S}", "GENERIC_SECRET", lambda r: _r(r, ALNUM, 32)),
    ("aws_secret_access_key = {S}", "AWS_SECRET_ACCESS_KEY", lambda r: _r(r, B64, 40)),
    (
        "conn = \"{S}\"",
        "AZURE_CONNECTION_STRING",
        lambda r: f"DefaultEndpointsProtocol=https;AccountName=stacc{r.randint(1, 99)};"
        f"AccountKey={_r(r, B64, 86)}==;EndpointSuffix=core.windows.net",
    ),
]

NEGATIVES = [
    lambda r: f"request_id={uuid.UUID(int=r.getrandbits(128))} took 340 ms",
    lambda r: f"Reverted commit {_r(r, '0123456789abcdef', 40)} after review.",
    lambda r: "Set OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx in your shell first.",
    lambda r: "api_key = os.environ['API_KEY']",
    lambda r: "Authorization: Bearer <YOUR_TOKEN_HERE>",
    lambda r: f"<img src=\"data:image/png;base64,iVBORw0KGgo{_r(r, B64, 120)}\">",
    lambda r: "password: changeme",
    lambda r: f"token count: {r.randint(100, 9000)}, max_tokens={r.randint(256, 4096)}",
    lambda r: "The key is to reset your password from the settings page.",
    lambda r: f"jwt-ish eyJ{_r(r, ALNUM, 30)}.eyJ{_r(r, ALNUM, 30)}.{_r(r, ALNUM, 30)}",
    lambda r: "Use the documented example key AKIAIOSFODNN7EXAMPLE in tests.",
    lambda r: "export STRIPE_KEY=sk_live_...  # fill in from the dashboard",
    lambda r: f"checksum sha256 {_r(r, '0123456789abcdef', 64)}",
    lambda r: "secret: ${VAULT_SECRET}",
    lambda r: "token = get_token(session)",
    lambda r: f"Session {uuid.UUID(int=r.getrandbits(128))} expired; please sign in again.",
    lambda r: "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
    lambda r: f"build id {_r(r, string.ascii_lowercase + string.digits, 20)} finished",
]


def _example(text: str, spans: list[dict[str, object]], kind: str, template: str) -> Example:
    from training.gen_pii_testset import Example  # here: gen_pii_testset imports this module

    return Example(text=text, spans=spans, kind=kind, template=template)


def secret_examples(seed: int = 13, n_positive: int = 450, n_negative: int = 300) -> list[Example]:
    """The secrets test set: fake keys in realistic contexts, then look-alikes."""
    rng = random.Random(seed + 1)
    out: list[Example] = []
    for i in range(n_positive):
        if i % 4 == 3:
            template, entity, make = rng.choice(ASSIGNMENTS)
            value = make(rng)
            head, tail = template.split("{S}")
            text = head + value + tail
        else:
            entity = rng.choice(sorted(SECRETS))
            value = SECRETS[entity](rng)
            template = rng.choice(TEMPLATES)
            head, tail = template.replace("{{", "{").replace("}}", "}").split("{S}")
            text = head + value + tail
        span = {"start": len(head), "end": len(head) + len(value), "entity": entity}
        out.append(_example(text, [span], "positive", template[:40]))
    for _ in range(n_negative):
        make_negative = rng.choice(NEGATIVES)
        out.append(_example(make_negative(rng), [], "negative", "negative"))
    return out
