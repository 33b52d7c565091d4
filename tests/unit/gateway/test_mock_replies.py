"""The mock model's canned answers: natural questions get written answers, still unique."""

from __future__ import annotations

import base64
import struct

from safeship.gateway.mock import chunks, completion, embedding_reply, embedding_vector, reply_text

REPLIES = [("How do I reset my password?", "Open Settings > Account and choose Reset.")]


def chat(text: str) -> dict[str, object]:
    return {"model": "mock-1", "messages": [{"role": "user", "content": text}]}


def test_a_known_question_gets_its_answer_with_the_rest_of_the_turn_appended() -> None:
    body = chat("How do I reset my password? (request 7)")
    assert reply_text(body, REPLIES) == "Open Settings > Account and choose Reset. (request 7)"
    message = completion(body, REPLIES)["choices"][0]["message"]
    assert message["content"] == "Open Settings > Account and choose Reset. (request 7)"
    streamed = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks(body, 5, REPLIES)
    )
    assert streamed == "Open Settings > Account and choose Reset. (request 7)"


def test_unknown_turns_and_the_say_protocol_are_unchanged() -> None:
    assert reply_text(chat("What is the weather?"), REPLIES) == "echo: What is the weather?"
    assert reply_text(chat("say: hi {at} home"), REPLIES) == "hi @ home"
    assert reply_text(chat("How do I reset my password?")) == "echo: How do I reset my password?"


def test_embeddings_are_deterministic_small_vectors_in_openai_shape() -> None:
    body = {"model": "e-1", "input": ["one two", "three"]}
    reply = embedding_reply(body)
    assert reply == embedding_reply(body)
    assert reply["object"] == "list" and reply["model"] == "e-1"
    assert [d["index"] for d in reply["data"]] == [0, 1]
    vectors = [d["embedding"] for d in reply["data"]]
    assert vectors[0] != vectors[1] and all(len(v) == 8 for v in vectors)
    assert all(-0.5 <= x < 0.5 for v in vectors for x in v)
    assert reply["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    tokens = embedding_reply({"model": "e-1", "input": [5, 6, 7], "dimensions": 3})
    assert len(tokens["data"]) == 1 and len(tokens["data"][0]["embedding"]) == 3
    assert tokens["usage"]["prompt_tokens"] == 3


def test_base64_embeddings_decode_to_the_same_floats() -> None:
    packed = embedding_reply({"model": "e", "input": "hi", "encoding_format": "base64"})
    raw = base64.b64decode(packed["data"][0]["embedding"])
    assert list(struct.unpack("<8f", raw)) == embedding_vector("hi")
