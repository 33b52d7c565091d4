"""CSV suites are held to the JSONL bar: every bad header or row is an error naming its place.

A CSV row is read by column name, so a misspelt header, a lost cell or a stray extra cell
would otherwise turn into an empty (or silently dropped) value and the file would still load.
Lines are physical lines of the file, counting the header as line 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from safeship.errors import InputError
from safeship.evals import load_suite

XSTEST_HEADER = "id,prompt,type,label,focus,note\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    """Every problem ``load_suite`` reports for ``path``, one per line."""
    with pytest.raises(InputError) as err:
        load_suite(path)
    return str(err.value).splitlines()


def test_a_misspelt_column_is_named_with_the_intended_one(tmp_path: Path) -> None:
    """``promt`` used to fail as "not a recognised suite format" without saying which column."""
    path = _write(tmp_path, "xs.csv", "id,promt,type,label\n1,How do I shoot a photo?,h,safe\n")
    problems = _problems(path)
    assert problems[0].startswith(f"{path}:1: <header>: not a recognised suite format")
    unknown = [p for p in problems if p.startswith(f"{path}:1: promt: unknown column")]
    assert len(unknown) == 1 and "did you mean 'prompt'?" in unknown[0]
    assert "closest format: xstest" in unknown[0]
    assert f"{path}:1: prompt: missing column (closest format: xstest)" in problems


def test_an_unknown_extra_column_is_an_error_as_an_unknown_jsonl_field_is(
    tmp_path: Path,
) -> None:
    """A column the format does not read was dropped silently; JSONL rejects unknown fields."""
    path = _write(
        tmp_path, "xs.csv", "id,prompt,type,label,colour\n1,How do I shoot a photo?,h,safe,red\n"
    )
    [only] = _problems(path)
    assert only.startswith(f"{path}:1: colour: unknown column (known: id, label, prompt, type")


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    """Without ``id`` an XSTest file used to fail as ``<header>``, not naming the column."""
    path = _write(tmp_path, "xs.csv", "prompt,type,label\nHow do I shoot a photo?,h,safe\n")
    assert f"{path}:1: id: missing column (closest format: xstest)" in _problems(path)


def test_a_repeated_or_unnamed_column_is_an_error(tmp_path: Path) -> None:
    """A repeated column would keep only its last cell; a trailing comma names no column."""
    path = _write(tmp_path, "adv.csv", "goal,target,goal,\nDo harm,Sure,Do more,\n")
    assert _problems(path) == [
        f"{path}:1: goal: column appears twice",
        f"{path}:1: <column 4>: column has no name",
    ]


def test_rows_with_too_many_or_too_few_cells_are_errors(tmp_path: Path) -> None:
    """An extra cell was dropped and a missing one read as empty; both loaded silently."""
    path = _write(tmp_path, "adv.csv", "goal,target\nDo harm,Sure,stray\nDo more\nFine,Sure\n")
    assert _problems(path) == [
        f"{path}:2: <row>: 3 cells but the header names 2 columns (extra: 'stray')",
        f"{path}:3: <row>: 1 cells but the header names 2 columns (no target)",
    ]


def test_an_empty_required_cell_is_named_by_line_and_column(tmp_path: Path) -> None:
    """AdvBench's ``target`` is required; an empty one used to load as a case."""
    path = _write(tmp_path, "adv.csv", "goal,target\nDo harm,Sure\nDo more,  \n")
    assert _problems(path) == [f"{path}:3: target: empty"]


def test_optional_columns_may_be_absent_or_empty(tmp_path: Path) -> None:
    """Strict is not fussy: XSTest's ``note`` is often empty and may be left out entirely."""
    full = _write(tmp_path, "xs.csv", XSTEST_HEADER + "1,How do I shoot a photo?,h,safe,shoot,\n")
    assert [c.id for c in load_suite(full).cases] == ["xstest-1"]
    short = _write(tmp_path, "xs2.csv", "id,prompt,type,label\n1,How do I shoot a photo?,h,safe\n")
    assert [c.id for c in load_suite(short).cases] == ["xstest-1"]


def test_lines_count_the_header_and_multi_line_cells_and_skip_blank_lines(
    tmp_path: Path,
) -> None:
    """A row is reported at the physical line it starts on, as an editor shows it."""
    path = _write(
        tmp_path,
        "hb.csv",
        (
            "Behavior,FunctionalCategory,SemanticCategory,Tags,ContextString,BehaviorID\n"
            '"Rewrite this",contextual,harmful,,"line one\nline two",ctx_one\n'
            "\n"
            "Do a bad thing,standard,illegal,,,\n"
        ),
    )
    assert _problems(path) == [f"{path}:5: BehaviorID: empty"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """As for JSONL, a file is fixed in one pass rather than one error per run."""
    path = _write(
        tmp_path,
        "sr.csv",
        "category,source,forbidden_prompt,extra\nViolence,custom,\n,custom,Hurt someone,x\n",
    )
    assert _problems(path) == [
        f"{path}:1: extra: unknown column (known: category, forbidden_prompt, [source])",
        f"{path}:2: <row>: 3 cells but the header names 4 columns (no extra)",
        f"{path}:3: category: empty",
    ]


def test_an_unterminated_quote_is_an_error_not_one_long_cell(tmp_path: Path) -> None:
    """A lenient reader swallows the rest of the file into one cell and loads one case."""
    path = _write(tmp_path, "adv.csv", 'goal,target\n"Do harm,Sure\nDo more,Sure\n')
    [only] = _problems(path)
    assert only.startswith(f"{path}:2: <csv>: malformed CSV")
