"""Typed-out passwords are secrets too, however short; sentences about passwords are not."""

from __future__ import annotations

import pytest

from safeship.detectors.secrets import SecretsDetector, find_secrets


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("my password is hunter2", "hunter2"),
        ("My password was 'Tr0ub4dor&3'.", "Tr0ub4dor&3"),
        ("password: P@ssw0rd", "P@ssw0rd"),
        ("the wifi passcode is Blue-Moon-77 btw", "Blue-Moon-77"),
        ("PASSWORD = secret123", "secret123"),
        ("password: x9Kp2mQ", "x9Kp2mQ"),  # not an encoding name, for starting with x9
        ("my password is base1234", "base1234"),
        ("password: md5secret", "md5secret"),
        ("password: @Home2024", "@Home2024"),  # a symbol first is not a variable
        ("password: ~tilde99", "~tilde99"),
    ],
)
def test_a_typed_password_is_found_with_its_span(text: str, password: str) -> None:
    findings = find_secrets(text)
    assert [(f.entity, f.text) for f in findings] == [("PASSWORD", password)]
    (f,) = findings
    assert text[f.start : f.end] == password


@pytest.mark.parametrize(
    "text",
    [
        "the password is required",
        "password: incorrect",
        "your password is too short.",
        "reset the password: click the link",
        "password: ********",
        "Set password=<your password>",
        "password: changeme",
        "use password: ${DB_PASSWORD}",
        "password = os.environ['DB_PASS']",
        "what is a strong password? is it long",
        "passwords: many",
        "the passcode is 4821",
        "pwd=correcthorsebatterystaple",  # letters only: too often a type, label or word
        "Note that the password is case-sensitive.",
        "interface User { password: string; }",
        "type User { password: String! }",
        "password: bcrypt",
        "password: one-time",
        "password: SHA-256",
        "password: UTF-8",
        "pwd: /home/user",
        "password: !vault |",
        "Password: obligatoire",
        "password: Passwort",
        "password: undefined",
        "Password: 6-digit PIN",
        "password: 12-char",
        "password: 2-step",
        "Password: Required*",
        "password: (required)",
        "User(password=hashed_pw, name=n)",
        "password: latin-1",
        "password: TLS1.3",
        "password: v1.2.3",
        "password: Python3",
        "password: x86_64",
        "pwd: C:\\Users\\me",
        "password: ${DB_PASS}",
    ],
)
def test_sentences_about_passwords_and_placeholders_are_not_secrets(text: str) -> None:
    assert find_secrets(text) == []


def test_the_detector_reports_the_password_category() -> None:
    assert "password" in SecretsDetector.reports


def test_a_long_run_of_spaces_after_the_keyword_does_not_backtrack() -> None:
    """The first pattern took 9 s on "my password is" and 30,000 spaces (quadratic)."""
    import time

    started = time.process_time()
    assert find_secrets("my password is" + " " * 200_000 + "x") == []
    assert time.process_time() - started < 1.0


def test_many_findings_do_not_make_deduplication_quadratic() -> None:
    """Comparing each candidate with every kept finding took 8 s on 220 KB of short lines."""
    import time

    text = "pwd: abc12 " * 20_000
    started = time.process_time()
    assert len(find_secrets(text)) == 20_000
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password: 2-factor", None),  # a description the entropy gate took for a secret
        ("password: 2FA-enabled", None),
        ("password: %(password)s", None),  # a template
        ("secret = /9j4kXaB3dE5fG7hJ9kL1mN+q", "/9j4kXaB3dE5fG7hJ9kL1mN+q"),  # base64 may start /
        ("token = prod_a8f7d6s5f4g3h2j1", "prod_a8f7d6s5f4g3h2j1"),  # snake-like but random
    ],
)
def test_assignments_skip_templates_and_descriptions_only(text: str, secret: str | None) -> None:
    assert [f.text for f in find_secrets(text)] == ([secret] if secret else [])
