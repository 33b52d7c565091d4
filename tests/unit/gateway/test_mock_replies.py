"""The mock model's canned answers: natural questions get written answers, still unique."""

from __future__ import annotations

from safeship.gateway.mock import chunks, completion, reply_text

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
