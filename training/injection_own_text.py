"""Generate the own-words training text of the injection detector (run once, output committed).

Writes ``training/data/injection_benign_instructions.jsonl`` from templates and slot values
written by hand for this project (nothing is copied from any data set): benign assistant tasks
in the style of multi-turn chat benchmarks (writing, role-play, reasoning, maths, coding,
extraction, STEM, humanities), including follow-ups ("rewrite your previous answer ...") that
sound like instructions to the model and are not attacks.

Run: ``PYTHONPATH=. .venv/bin/python -m training.injection_own_text``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"

TOPICS = (
    "renewable energy",
    "the history of jazz",
    "urban gardening",
    "remote work",
    "volcanoes",
    "the French Revolution",
    "machine learning",
    "coral reefs",
    "public libraries",
    "chess",
    "the water cycle",
    "electric cars",
    "ancient Rome",
    "sleep hygiene",
    "microplastics",
    "the printing press",
    "bee colonies",
    "space telescopes",
    "minimalist living",
    "the Silk Road",
    "photosynthesis",
    "supply chains",
    "classical music",
    "marathon training",
    "cryptography",
)
PLACES = (
    "Lisbon",
    "Kyoto",
    "a small coastal village",
    "the Scottish Highlands",
    "Patagonia",
    "Marrakech",
    "Iceland",
    "Vancouver",
    "the Amalfi coast",
    "a national park",
)
ROLES = (
    "a travel guide",
    "a history teacher",
    "a personal fitness coach",
    "a sommelier",
    "a startup mentor",
    "a ship captain in the 1800s",
    "a museum curator",
    "a pirate",
    "a friendly librarian",
    "a detective in a noir novel",
    "a nutritionist",
    "a stand-up comedian",
    "a medieval blacksmith",
    "a patient math tutor",
    "an astronaut on the space station",
    "a gardener",
    "a film critic",
    "a tech support agent",
    "Sherlock Holmes",
    "a wise old wizard",
)
STYLES = (
    "a pirate",
    "Shakespeare",
    "a sports commentator",
    "a five-year-old",
    "a news anchor",
    "a limerick",
    "a haiku",
    "a formal business letter",
    "a tweet",
    "a bedtime story",
)
LANGS = ("Python", "JavaScript", "C++", "Java", "Rust", "Go", "SQL", "Bash")
CODE_TASKS = (
    "reverse a linked list",
    "find the longest common subsequence of two strings",
    "check whether a number is prime",
    "merge two sorted arrays",
    "count word frequencies in a file",
    "compute the median of two sorted lists",
    "validate an email address with a regular expression",
    "find the k-th largest element in an array",
    "implement binary search",
    "detect a cycle in a directed graph",
    "parse a CSV file and sum one column",
    "return the nth Fibonacci number efficiently",
)
TASKS = (
    "Write a persuasive essay about {topic}.",
    "Draft a short blog post about a trip to {place}, with tips on food and sights.",
    "Compose a poem about {topic}.",
    "Write a 200-word short story that begins in {place}.",
    "Summarise the main arguments for and against {topic} in three bullet points.",
    "Explain {topic} to a high-school student.",
    "Give me five interesting facts about {topic}.",
    "Act as {role} and tell me about {topic}.",
    "Pretend you are {role}. How would you spend a day in {place}?",
    "Imagine you are {role}. Answer my questions in character. "
    "First: what do you love about your work?",
    "You are {role}. Give me advice on {topic}.",
    "Roleplay as {role} and greet a new visitor.",
    "Write a {lang} function to {code}.",
    "Here is my {lang} code that should {code}, but it returns the wrong result. "
    "Can you find the bug?",
    "What is the time complexity of the best way to {code}? Explain in {lang}.",
    "Write unit tests in {lang} for a function that should {code}.",
    "Compare two approaches to {topic} and say which you prefer.",
    "Describe {place} as {role} would.",
    "Write a dialogue between {role} and a child about {topic}.",
    "Create a lesson plan for a 45-minute class on {topic}.",
    "Draft an email to my manager asking for feedback on my report about {topic}.",
    "Write a product description for a guidebook about {place}.",
    "What are the ethical questions raised by {topic}?",
    "Extract every date and place name from this paragraph: "
    "'In 1998 we moved from {place} to Oslo, and in 2004 to Madrid.'",
    "From the following text, list the people and their jobs as JSON: "
    "'Ana is a nurse, Ben teaches maths, and Chloe runs a bakery.'",
    "Rate the following movie reviews from 1 to 5 and return a list: "
    "'Loved it!', 'Boring and too long.', 'Decent acting.'",
    "Explain the difference between weather and climate, then relate it to {topic}.",
)
MATH = (
    "If a train travels {a} km in {b} hours, what is its average speed?",
    "Solve for x: {a}x + {b} = {c}.",
    "What is the area of a triangle with vertices at (0, 0), ({a}, 0) and (0, {b})?",
    "A shop sells pens at {a} cents each. How much do {b} pens cost?",
    "Two dice are rolled. What is the probability that the sum is {a}?",
    "Find the remainder when {c} is divided by {a}.",
    "If f(x) = {a}x^2 - {b}, what is f({a})?",
    "Alice is {a} years older than Bob, and together they are {c}. How old is Bob?",
)
FOLLOW_UPS = (
    "Rewrite your previous response in the style of {style}.",
    "Now make it more concise.",
    "Shorten your previous answer to two sentences.",
    "Rewrite your last answer so that every sentence starts with the letter {letter}.",
    "Can you turn your previous answer into a table?",
    "Now translate your answer into {human}.",
    "Please revise your previous response and remove any technical jargon.",
    "Make the poem rhyme this time.",
    "Now do the same in {lang}.",
    "Can you explain your reasoning step by step?",
    "Rewrite it for a younger audience.",
    "Now write a counter-argument to your previous answer.",
    "Add a catchy title to what you wrote.",
    "Continue the story from where you stopped.",
    "Summarise your previous answer in one sentence.",
    "Can you optimise that code for memory?",
    "Now extend the program so it also handles empty input.",
    "Now answer as {role} instead.",
    "Ignore the part about costs and focus only on the benefits.",
    "Forget the last example; use one about {topic} instead.",
    "Drop the introduction and start directly with the list.",
    "Rewrite your previous reply without using the letter e.",
    "Now express your answer as a limerick.",
    "Keep the same structure but change the setting to {place}.",
    "What would change if the numbers were doubled?",
    "Please correct any mistakes in your previous answer.",
    "Don't mention the history part; just give me the key facts.",
    "Edit your response to sound more professional.",
    "Now extend the function so it also accepts a list of strings.",
    "Modify your code so it reads the input from a file instead.",
    "Now rewrite the program without using recursion.",
    "Great. Now add comments to every line of the code.",
    "Change the example so it uses {lang} instead.",
    "Now double-check your calculation and show the working.",
    "Explain the same idea using an analogy about {topic}.",
    "Now give three more examples like the ones above.",
    "Rephrase your last answer so a beginner could follow it.",
    "Turn the previous paragraph into a bulleted list.",
    "Replace the ending of the story with a happier one.",
    "Now write the same email but in a friendlier tone.",
    "Take your previous answer and cut it down to 50 words.",
    "Use fewer adjectives in your rewrite.",
    "Rewrite your answer from the point of view of {role}.",
    "Now pretend you are {role} and give the same advice.",
    "Keep going and add a second verse.",
    "Now list the steps in reverse order.",
    "Based on your previous answer, what would you recommend for a family of four?",
    "Using the data you extracted, compute the average.",
    "Now sort the results alphabetically and output them as JSON.",
    "Could you instead answer in the form of a short dialogue?",
    "Please ignore my last question and answer this one: what is the largest ocean?",
    "Scratch that, I meant the other way round. Can you redo it?",
    "Never mind the table; just give me plain text.",
    "Instead of a poem, write it as a short speech.",
    "Do the same calculation, but assume the rate is {a} percent.",
    "Your previous answer was too long. Try again in three sentences.",
    "Now format the whole thing as a markdown table with two columns.",
    "Continue the conversation as {role} would.",
)
HUMAN = ("French", "Spanish", "German", "Italian", "Japanese", "Portuguese")


def benign_instructions(rng: random.Random) -> list[dict[str, object]]:
    """Slot-filled benign tasks; the template is the group, so a split keeps templates apart."""
    out: list[dict[str, object]] = []

    def fill(t: str) -> str:
        return t.format(
            topic=rng.choice(TOPICS),
            place=rng.choice(PLACES),
            role=rng.choice(ROLES),
            style=rng.choice(STYLES),
            lang=rng.choice(LANGS),
            code=rng.choice(CODE_TASKS),
            letter=rng.choice("ABCDST"),
            human=rng.choice(HUMAN),
            a=rng.randint(2, 12),
            b=rng.randint(2, 40),
            c=rng.randint(41, 200),
        )

    for family, templates, per in (
        ("task", TASKS, 9),
        ("math", MATH, 5),
        ("followup", FOLLOW_UPS, 6),
    ):
        for i, t in enumerate(templates):
            texts = {fill(t) for _ in range(per)}
            out += [
                {"text": x, "label": 0, "tag": f"assistant_{family}", "group": f"{family}{i}"}
                for x in sorted(texts)
            ]
    return out


def main() -> int:
    rng = random.Random(7)
    rows = benign_instructions(rng)
    with (OUT / "injection_benign_instructions.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "benign instructions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
