from __future__ import annotations

import asyncio
import base64
import json
import random
import string

import pytest

from safeship.detectors.base import DetectorInput
from safeship.detectors.secrets import SecretsDetector, SecretsParams, find_secrets, mask
from safeship.features.cache import FeatureCache
from safeship.features.hashing import NgramHasher
from safeship.text.normalise import normalise
from safeship.types import DetectorResult

RNG = random.Random(7)
ALNUM = string.ascii_letters + string.digits


def r(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def b64url(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


JWT = f"{b64url({'alg': 'HS256', 'typ': 'JWT'})}.{b64url({'sub': '42'})}.{r(ALNUM, 43)}"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(r(ALNUM + "+/", 64) for _ in range(4))
    + ("\n-----END RSA PRIVATE KEY-----")
)
AZURE = f"DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey={r(ALNUM + '+/', 86)}=="
FAKES = {
    "AWS_ACCESS_KEY_ID": "AKIA" + r(string.ascii_uppercase + "234567", 16),
    "GCP_API_KEY": "AIza" + r(ALNUM + "-_", 35),
    "GITHUB_TOKEN": "ghp_" + r(ALNUM, 36),
    "SLACK_TOKEN": f"xoxb-{r(string.digits, 12)}-{r(string.digits, 12)}-{r(ALNUM, 24)}",
    "SLACK_WEBHOOK": "https://hooks.slack.com/services/"
    + f"T{r('ABCDEFG123', 8)}/B{r('ABCDEFG123', 9)}/{r(ALNUM, 24)}",
    "STRIPE_SECRET_KEY": "sk_live_" + r(ALNUM, 24),
    "OPENAI_API_KEY": "sk-proj-" + r(ALNUM, 48),
    "ANTHROPIC_API_KEY": "sk-ant-api03-" + r(ALNUM + "-_", 93),
    "TWILIO_API_KEY": "SK" + r("0123456789abcdef", 32),
    "SENDGRID_API_KEY": f"SG.{r(ALNUM, 22)}.{r(ALNUM, 43)}",
    "JWT": JWT,
    "PRIVATE_KEY": PEM,
    "AZURE_CONNECTION_STRING": AZURE,
}


def run(det: SecretsDetector, text: str) -> DetectorResult:
    item = DetectorInput(text, normalise(text), FeatureCache(NgramHasher()))
    return asyncio.run(det.detect(item))


@pytest.mark.parametrize(("entity", "secret"), sorted(FAKES.items()))
def test_each_provider_shape_is_found_with_its_span(entity: str, secret: str) -> None:
    text = f"here you go: {secret} -- keep it safe"
    found = find_secrets(text)
    assert [(f.entity, f.start, f.end) for f in found] == [(entity, 13, 13 + len(secret))]


@pytest.mark.parametrize(
    "text",
    [
        "DB_PASSWORD=Xk9#mQ2vL7pR",
        "client_secret: 'q8Zr2LkP0vXw7NbT4yHs'",
        "aws_secret_access_key = " + r(ALNUM + "+/", 40),
    ],
)
def test_keyword_assignments_with_random_values(text: str) -> None:
    (finding,) = find_secrets(text)
    assert finding.text == text.split("=" if "=" in text else ":", 1)[1].strip(" '")


@pytest.mark.parametrize(
    "text",
    [
        "request_id=123e4567-e89b-12d3-a456-426614174000",
        "Reverted commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx",
        "api_key = os.environ['API_KEY']",
        "token = get_token(session)",
        "secret: ${VAULT_SECRET}",
        "password: changeme",
        "Authorization: Bearer <YOUR_TOKEN_HERE>",
        "use the documented AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "data:image/png;base64,iVBORw0KGgo" + r(ALNUM + "+/", 200),
        "eyJub3RqdXN0.eyJzdWIiOiI0MiJ9." + r(ALNUM, 30),  # header is not JSON
        "max_tokens=4096 and the key is to stay calm",
    ],
)
def test_look_alikes_do_not_fire(text: str) -> None:
    assert find_secrets(text) == []


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("DATABASE_URL=postgresql://app:S3cr3t-Pa55@db.internal:5432/prod", "S3cr3t-Pa55"),
        ("connect to redis://:p4ssW0rd9x@cache:6379/0 first", "p4ssW0rd9x"),
        ("mongodb+srv://svc:Zq81vLmn7Tt@cluster0.example.net/app", "Zq81vLmn7Tt"),
    ],
)
def test_connection_strings_give_up_their_password(text: str, password: str) -> None:
    (finding,) = find_secrets(text)
    assert finding.entity == "URL_CREDENTIALS" and finding.text == password


@pytest.mark.parametrize(
    "text",
    [
        "https://user@host.example.com/path",
        "see http://example.com:8080/docs?at=1:2@3",
        "postgresql://user:password@localhost/db",
        "mongodb://app:${MONGO_PASSWORD}@cluster/app",
        "ftp://anonymous:xxxx@ftp.example.org",
    ],
)
def test_urls_without_a_real_password_do_not_fire(text: str) -> None:
    assert find_secrets(text) == []


def test_result_never_leaks_the_secret_outside_finding_text() -> None:
    secret = FAKES["GITHUB_TOKEN"]
    result = run(SecretsDetector(), f"token: {secret}")
    assert result.score >= 0.95 and result.category == "github_token"
    assert result.findings[0].text == secret
    assert secret not in repr(result) and secret not in str(result.details)
    assert secret not in mask(secret) and mask(secret).startswith("ghp_")


def test_entities_filter_and_min_score() -> None:
    text = f"{FAKES['GITHUB_TOKEN']} {FAKES['AWS_ACCESS_KEY_ID']} pk_test_{r(ALNUM, 24)}"
    only_aws = run(SecretsDetector(SecretsParams(entities=["AWS_ACCESS_KEY_ID"])), text)
    assert [f.entity for f in only_aws.findings] == ["AWS_ACCESS_KEY_ID"]
    strict = run(SecretsDetector(SecretsParams(min_score=0.7)), text)
    assert "STRIPE_PUBLISHABLE_KEY" not in {f.entity for f in strict.findings}
    assert run(SecretsDetector(), "nothing to see").score == 0.0


def test_overlapping_matches_keep_the_specific_type() -> None:
    secret = FAKES["STRIPE_SECRET_KEY"]
    assert [f.entity for f in find_secrets(f"api_key = {secret}")] == ["STRIPE_SECRET_KEY"]
