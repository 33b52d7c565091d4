"""Train the addressed-form model: whether a window of text is addressed to an AI or a document.

Why: ``prompt_injection`` decides a long text, or a retrieved passage, by its most suspicious
window, and some window of nearly every real document looks like an instruction to it. This
model asks a narrower question than the injection model, with attacks and benign prompts on the
*same* side: text written to an AI assistant (a request, an instruction, a jailbreak, an order to
an AI reader hidden in a page) against text that is part of a document (prose, code, markup,
legal text, and benign mentions of AI in the same carriers). In a document the detector weighs
each window's injection score by it (``InjectionParams.addressed_form_path``); the injection
model is unchanged. ``harmful_request``'s ``request_form`` model cannot serve: it learnt
requests for content and reads most instructions to an AI as document text.

Rows (see the model card):

* addressed (1): v20's *training* split (``injection_data.assemble``), attacks and benign
  prompts, without the rows that are documents themselves (passages with an instruction
  inside, helper documents, assistant answers, code prompts) and without the multilingual rows
  (text routed to the USE heads is not weighed); the instructions of
  ``injection_planted_v22.jsonl`` (hidden in a document's carriers);
* document (0): ``harmful_request_sources.document_rows`` over v21's software documents and
  v20's prose passages (with their sentences and lines) and the training half of
  ``training.real_documents``; the benign look-alikes of ``injection_planted_v22.jsonl``.

v20's validation split is never read, so the rule (``training/injection_addressed_dev.py``)
can judge on it. Stage 1 only: it reads the n-gram counts the detector has already hashed.

Rejected by that rule (2026-11-28, session 19; figures there): it read most instructions hidden
in carriers it never saw as document text. Nothing ships; the default ``--out`` is under /tmp.

Run: ``PYTHONPATH=. .venv/bin/python -m training.train_addressed_form [--out PATH]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.encoder_rules import default_data_dir
from training.harmful_request_sources import document_rows
from training.injection_data import DOCUMENTS, OWN_DATA, PLANTED, REAL_DOCUMENTS, assemble
from training.train_request_form import fit_form

MODEL = Path("/tmp/addressed_form.npz")
NOT_ADDRESSED = ("own:doc", "own:indirect", "own:benign_document", "multilingual")
"""Sources of v20's rows that are not text written to an assistant (prefixes)."""
NOT_PROMPTS = {"gpteacher_response", "humaneval"}
"""Benign sources that are answers or code, not prompts."""


def addressed_rows(data_dir: Path) -> list[tuple[str, str]]:
    """(group, text): v20's training prompts and attacks written to an assistant."""
    train, _, _ = assemble(data_dir)
    return [
        (f"v20:{s.group}", s.text)
        for s in train
        if not s.source.startswith(NOT_ADDRESSED) and s.source not in NOT_PROMPTS
    ]


def planted_rows() -> list[tuple[str, str, int]]:
    """(group, snippet, label): v22's hidden instructions (1) and benign look-alikes (0)."""
    rows = [json.loads(x) for x in (OWN_DATA / PLANTED).read_text(encoding="utf-8").splitlines()]
    return [(f"planted:{r['group']}", str(r["text"]), int(str(r["label"]))) for r in rows if r]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--out", type=Path, default=MODEL)
    args = ap.parse_args(argv)
    rows = [(group, text, 1) for group, text in addressed_rows(args.data_dir)]
    rows += planted_rows()
    rows += [(group, text, 0) for group, text in document_rows((REAL_DOCUMENTS, DOCUMENTS))]
    fit_form("addressed_form", rows, "val_addressed_kept_0.5", args.out)


if __name__ == "__main__":
    main()
