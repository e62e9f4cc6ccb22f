"""Every code example of docs/plugins.md is quoted from code the test suite runs, so the guide cannot drift.

Above each ```python block (other blocks may have one too) the guide names its source in a comment
that Markdown does not show: ``<!-- from: examples/crm_notes/crm_notes/views.py -->`` (several
paths separated by commas are read one after the other). Every line of the block, indentation
aside, must appear in the source in the same order; blank lines, ``...`` and comments that start
with ``# ...`` stand for code left out, and a first comment naming a file (``# crm_notes/views.py``,
``{# .../form.html #}``) is the block's caption. Sources are the example plugin, the tests (e.g.
tests/docs_examples/contracts.py, a plugin the tests register), the built-in plugins and the core.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
SOURCES = ("examples/crm_notes/", "tests/", "plugins/", "core/", "templates/")
BLOCK = re.compile(r"(?:<!-- from: (?P<paths>[^>]+?) -->\n)?```(?P<lang>[\w+-]*)\n(?P<body>.*?)^```$",
                   re.MULTILINE | re.DOTALL)
CAPTION = re.compile(r"^(#|\{#) \S+\.(py|html|cfg|toml)\b")


def blocks():
    text = GUIDE.read_text(encoding="utf-8")
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("body"))
        yield pytest.param(match["lang"], match["paths"], match["body"], id=f"line {line}")


def quoted_lines(body: str) -> list[str]:
    lines = [line.strip() for line in body.splitlines()]
    lines = [line for line in lines if line and line != "..." and not line.startswith("# ...")]
    if lines and CAPTION.match(lines[0]):
        lines = lines[1:]
    return lines


@pytest.mark.parametrize("lang, paths, body", list(blocks()))
def test_example_is_quoted_from_code_the_tests_run(lang, paths, body):
    if paths is None:
        assert lang != "python", "a python example needs <!-- from: path --> above it"
        return
    source = []
    for path in (p.strip() for p in paths.split(",")):
        assert path.startswith(SOURCES), f"{path} is not code the tests run"
        source += [line.strip() for line in (ROOT / path).read_text(encoding="utf-8").splitlines()]
    position = 0
    for line in quoted_lines(body):
        try:
            position = source.index(line, position) + 1
        except ValueError:
            pytest.fail(f"not in {paths} (in this order): {line!r}")


def test_every_python_example_is_checked():
    found = list(blocks())
    assert len([p for p in found if p.values[0] == "python"]) >= 30


def test_every_name_core_api_exports_is_in_the_facade_table():
    import core.api

    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index("## The `core.api` facade"):text.index("## Testing")]
    listed = set(re.findall(r"`([A-Za-z_]\w*)", "".join(re.findall(r"^\| (.+?) \|", table, re.MULTILINE))))
    assert [name for name in core.api.__all__ if name not in listed] == []
    assert [name for name in listed if not hasattr(core.api, name)] == []
