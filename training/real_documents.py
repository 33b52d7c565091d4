"""Real documents, read by path from what every Python install carries, split into two halves.

Why: the guard blocked every real document a user pasted (licences, READMEs, source files) and
most paragraphs of them retrieved in RAG, because its text models learnt documents only from
passages helpers wrote. Real documents are full of markup, code and legal prose no helper writes.
Python's own distribution carries thousands of them under the PSF licence: the standard library's
source files (code, docstrings, comments) and ``pydoc_data.topics`` (the language reference as
text). They are read at training time from the running interpreter, never copied into the
repository; the data card records the Python version.

Each file or topic falls in the ``train`` or the ``dev`` half by a hash of its name, so a rule can
judge a model on real documents it never saw. Installed packages' READMEs and the system's licence
texts (``dev_readmes``, ``dev_licences``) are dev-only: what they hold depends on the machine, so
nothing trains on them.
"""

from __future__ import annotations

import random
import re
import sysconfig
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

Half = Literal["train", "dev"]
MIN_PASSAGE = 400
MAX_PASSAGE = 2500
MIN_README = 2000
LICENCES = Path("/usr/share/common-licenses")
_SKIP_DIRS = {"test", "tests", "idlelib", "site-packages", "dist-packages", "__pycache__"}
_BLANK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Document:
    """One real document: where it came from and its text."""

    name: str
    kind: str
    text: str


def half_of(name: str) -> Half:
    """The half a document belongs to, fixed by its name (so train and dev never share one)."""
    return "dev" if zlib.crc32(name.encode()) % 2 else "train"


def stdlib_sources(half: Half) -> list[Document]:
    """Standard-library modules of the running Python (tests and IDLE left out), one half."""
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if _SKIP_DIRS & set(rel.split("/")[:-1]) or half_of(rel) != half:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(text) >= MIN_PASSAGE:
            out.append(Document(f"stdlib/{rel}", "source", text))
    return out


def reference_topics(half: Half) -> list[Document]:
    """The language reference's topics as pydoc prints them (``pydoc_data.topics``), one half."""
    from pydoc_data.topics import topics  # type: ignore[import-not-found,unused-ignore]

    return [
        Document(f"topics/{name}", "reference", text)
        for name, text in sorted(topics.items())
        if len(text) >= MIN_PASSAGE and half_of(f"topics/{name}") == half
    ]


def dev_readmes() -> list[Document]:
    """Long descriptions (READMEs) of the installed distributions, by name, one per name."""
    seen: dict[str, Document] = {}
    for dist in metadata.distributions():
        name = str(dist.metadata.get("Name") or "").lower()
        body = dist.metadata.get_payload() or ""  # type: ignore[attr-defined]
        if name and name not in seen and len(str(body)) >= MIN_README:
            seen[name] = Document(f"readme/{name}", "readme", str(body))
    return [seen[k] for k in sorted(seen)]


def dev_licences() -> list[Document]:
    """The system's licence texts (Debian's ``common-licenses``), where the machine has them."""
    if not LICENCES.is_dir():
        return []
    return [
        Document(f"licence/{p.name}", "licence", p.read_text(encoding="utf-8", errors="replace"))
        for p in sorted(LICENCES.iterdir())
        if p.is_file() and p.stat().st_size >= MIN_PASSAGE
    ]


def passages(text: str) -> list[str]:
    """Blank-line blocks packed in order into passages of ``MIN_PASSAGE``-``MAX_PASSAGE`` chars.

    A block longer than ``MAX_PASSAGE`` is cut; a short tail joins the passage before it. This
    is the size of a retrieved chunk, and of the detector's own window.
    """
    out: list[str] = []
    current = ""
    for block in (b for b in _BLANK.split(text) if b.strip()):
        for i in range(0, len(block), MAX_PASSAGE):
            piece = block[i : i + MAX_PASSAGE]
            if current and len(current) + 2 + len(piece) > MAX_PASSAGE:
                out.append(current)
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
            if len(current) >= MIN_PASSAGE:
                out.append(current)
                current = ""
    if current.strip():
        if out and len(out[-1]) + 2 + len(current) <= MAX_PASSAGE:
            out[-1] = f"{out[-1]}\n\n{current}"
        else:
            out.append(current)
    return out


def sampled_passages(docs: list[Document], per_doc: int, seed: int) -> Iterator[tuple[str, str]]:
    """Up to ``per_doc`` passages of each document, drawn with a fixed seed: (name, passage)."""
    rng = random.Random(seed)
    for doc in docs:
        found = passages(doc.text)
        for passage in rng.sample(found, min(per_doc, len(found))):
            yield doc.name, passage
