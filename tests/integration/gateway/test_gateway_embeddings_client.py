"""``client.embeddings.create`` through the gateway with only ``base_url`` changed (real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from safeship.gateway import GatewayConfig, create_app, hash_key
from safeship.gateway.mock import create_mock_upstream, embedding_vector, serve_in_thread
from safeship.guard import Guard
from safeship.policy.load import parse_policy

pytestmark = pytest.mark.integration

POLICY = """
version: 1
name: embeddings-integration
default_feature: rag
features:
  rag:
    input:
      - detector: secrets
    actions: {default: block, secrets: redact}
"""
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token's shape


@pytest.fixture(scope="module")
def gateway_url() -> Iterator[str]:
    guard = Guard(parse_policy(POLICY, "embeddings.yaml"), embedder=None)
    with serve_in_thread(create_mock_upstream()) as upstream:
        config = GatewayConfig.model_validate(
            {
                "upstream": {"base_url": f"{upstream}/v1", "read_timeout_s": 10},
                "store": {"url": None},
                "api_keys": [{"id": "rag", "sha256": hash_key("sk-rag-1"), "tenant": "acme"}],
            }
        )
        with serve_in_thread(create_app(config, guard=guard)) as url:
            yield url
    guard.close()


def client(url: str, key: str = "sk-rag-1") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=20)


def test_embeddings_create_works_through_the_gateway(gateway_url: str) -> None:
    """The client asks for base64 by default and decodes it; ``float`` comes back as floats."""
    texts = ["How do I reset my password?", f"config: token={TOKEN}"]
    default = client(gateway_url).embeddings.create(model="mock-embed-1", input=texts)
    floats = client(gateway_url).embeddings.create(
        model="mock-embed-1", input="hello world", encoding_format="float", dimensions=4
    )
    assert [d.index for d in default.data] == [0, 1]
    assert default.data[0].embedding == embedding_vector(texts[0])
    # the upstream embedded the redacted chunk: the token never left the gateway
    assert default.data[1].embedding == embedding_vector("config: token=[GITHUB_TOKEN]")
    assert default.usage.prompt_tokens == 8 and default.model == "mock-embed-1"
    assert floats.data[0].embedding == embedding_vector("hello world", 4)


def test_client_errors_are_typed(gateway_url: str) -> None:
    with pytest.raises(openai.AuthenticationError):
        client(gateway_url, "sk-wrong").embeddings.create(model="mock-embed-1", input="hi")
    with pytest.raises(openai.BadRequestError) as bad:
        client(gateway_url).embeddings.create(model="mock-embed-1", input=[])
    assert bad.value.status_code == 400 and "input" in str(bad.value)
