"""docs/security.md names, for every threat, a test that exists: a renamed or deleted test
fails here rather than leaving the table pointing at nothing."""

from __future__ import annotations

import ast
import re

from tests.helpers.harness import BASE_DIR

DOC = BASE_DIR / "docs" / "security.md"
# `tests/x.py::name`, and `::name` after it for more tests of the same file.
FILE_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?")
SAME_FILE_REFERENCE = re.compile(r"`::(\w+)")


def _functions(path: str) -> set[str]:
    tree = ast.parse((BASE_DIR / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _rows() -> list[str]:
    return [line for line in DOC.read_text().splitlines() if re.match(r"\| \d+ \|", line)]


def test_every_row_names_a_test_that_exists() -> None:
    rows = _rows()
    assert len(rows) >= 20
    for row in rows:
        proof = row.rsplit("|", 2)[-2]
        if "make load" in proof:
            continue
        references = list(FILE_REFERENCE.finditer(proof))
        assert references, f"no test named in: {row[:80]}"
        current = ""
        for part in re.split(r"(?=`)", proof):
            found = FILE_REFERENCE.match(part)
            if found:
                current = found.group(1)
                assert (BASE_DIR / current).exists(), current
                if found.group(2):
                    assert found.group(2) in _functions(current), (current, found.group(2))
                continue
            same = SAME_FILE_REFERENCE.match(part)
            if same:
                assert current, part
                assert same.group(1) in _functions(current), (current, same.group(1))
