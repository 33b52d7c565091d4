"""Judge ``harmful_request``'s USE windows for long text: message-sized sentence groups.

Found at the end of round 7 (``training/harmful_request_scripts3_dev.py``): the USE heads score
``chunk_text`` windows of up to 2,500 characters, much longer than the messages they learnt from
(most under 300 characters), at most 64 per view. USE's cost grows with window length, so a
1 MB collage of everyday Chinese questions took the default input check 21.6 s (10.7 s in this
detector alone; in a gateway that is a detector timeout, hence its fail mode), and the French
and Russian collages were blocked (0.73, 0.69), the Chinese one allowed (0.21). The English
cascade avoids both by also scoring sentences.

**Candidate** (fixed before the blind set exists; one only; nothing retrained):

- A routed view of at most 600 characters is scored whole, as now.
- A longer one is split into sentences (after ``.``, ``!``, ``?``, ``。``, ``！``, ``？`` or a line
  break) and the sentences are packed greedily, in order, into windows of at most 400
  characters (a longer sentence is cut into 400-character pieces). Repeated windows are scored
  once; more than 64 are thinned to 64 spread evenly, the first and the last always kept. The
  score is the maximum over windows, as now. ``prompt_injection`` is unchanged.

Blind set: ``harmful_request_long_v25_dev.jsonl``, written by two helper sessions that saw none
of our data: the 14 routed languages (fr, de, es, it, pt, nl, pl, tr, ru, zh, ja, ko, ar, th) x
(2 long benign messages, 900-2,200 characters, some with alarming words in harmless contexts; 1
long message ending in a harmful request; 1 with a harmful request in its middle).

**Adoption rule** (written 2026-11-28, session 10, before the blind set was copied into the
repository or read). The candidate ships only if all hold, against the shipped detector:

1. Long benign messages flagged at 0.4: no more than the shipped detector flags.
2. Harmful requests inside long messages (end and middle) caught at 0.5: at least as many as
   the shipped detector catches.
3. Short text unchanged: every row of at most 600 characters in the blind sets v21 and v24
   scores exactly as before.
4. Cost: the default guard's input check of each 1 MB collage of everyday questions (French,
   Russian, Chinese; built from our training rows with a fixed seed) takes at most 3 s; on the
   blind set, this detector's p50 is at most 10 ms above the shipped one.
5. Starter suite: no decision changes.

Reported, not judged: the 1 MB collages' decisions before and after.
"""
