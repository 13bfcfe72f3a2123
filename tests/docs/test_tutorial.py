"""docs/tutorial.md runs: its ```python blocks execute in order in one namespace, as a reader pasting them into
one session would, and every ``print(...)  # -> output`` line prints what its comment says."""

import builtins
import io
import re
import sys
import tokenize
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"
REPO = TUTORIAL.parents[1]

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)

TOPICS = [
    "Tensors",
    "Gradients",
    "A single neuron",
    "A network",
    "A training loop",
    "Saving and loading a model",
    "Where to go next",
]


def python_blocks(text):
    """[(first line number of the code, code)] of every ```python block, in order."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in FENCE.finditer(text)]


def claims(filename, code):
    """{(filename, line): expected output} for the lines that start with ``print(`` and end with a comment
    holding "->": the output is what follows the comment's first "->", so the comment may explain first
    (``# 7 + 7 -> tensor(14.)``)."""
    lines = code.splitlines()
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        row = token.start[0]
        if token.type == tokenize.COMMENT and "->" in token.string and lines[row - 1].lstrip().startswith("print("):
            found[(filename, row)] = token.string.split("->", 1)[1].strip()
    return found


def squash(text):
    return " ".join(text.split())


def test_the_page_has_the_blocks_and_the_topics():
    text = TUTORIAL.read_text(encoding="utf-8")
    assert len(python_blocks(text)) >= 8
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    for number, topic in enumerate(TOPICS, start=1):
        assert f"## {number}. {topic}" in headings, f"tutorial.md lacks the heading '## {number}. {topic}'"
    # every fence is closed and every code block that is Python says so
    assert text.count("```") % 2 == 0
    for lang in re.findall(r"^```(\w*)", text, re.MULTILINE)[::2]:
        assert lang in ("python", "text", "bash"), f"a code block fenced as '{lang}'"


def relative_links(text):
    """The file part of each relative markdown link or image in ``text`` (no URLs, no pure anchors)."""
    return re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text)


def test_the_link_pattern_finds_the_readme_s_links_and_images():
    links = relative_links((REPO / "README.md").read_text(encoding="utf-8"))
    assert "docs/tutorial.md" in links and "docs/images/ch3_overfitting.png" in links


PAGES = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_relative_links_lead_somewhere(page):
    """Every relative link and image of the README and the docs pages names a file that exists."""
    text = page.read_text(encoding="utf-8")
    for target in relative_links(text):
        assert (page.parent / target).exists(), f"{page.name} links to a missing file: {target}"


def test_the_blocks_run_in_order_and_print_what_they_claim(monkeypatch, tmp_path):
    pytest.importorskip("sklearn", reason="the training loop of step 5 uses Digits, which needs scikit-learn")
    monkeypatch.chdir(tmp_path)  # anything the page wrote by mistake would land here, not in the repository
    monkeypatch.syspath_prepend(str(REPO))  # `import nn`, `import optim` as from the repository's root
    text = TUTORIAL.read_text(encoding="utf-8")
    expected, seen = {}, set()

    def checking_print(*args, **kwargs):
        out = io.StringIO()
        builtins.print(*args, **{**kwargs, "file": out})
        caller = sys._getframe(1)
        key = (caller.f_code.co_filename, caller.f_lineno)
        if key in expected and kwargs.get("file") is None:
            seen.add(key)
            assert squash(out.getvalue()) == squash(expected[key]), (
                f"{key[0]}, line {key[1]} printed {out.getvalue()!r}, the page says {expected[key]!r}"
            )
        builtins.print(*args, **kwargs)

    namespace = {"__name__": "__tutorial__", "print": checking_print}
    for number, (line, code) in enumerate(python_blocks(text), start=1):
        filename = f"tutorial.md:block {number} (line {line})"
        expected.update(claims(filename, code))
        exec(compile(code, filename, "exec"), namespace)
    missing = sorted(set(expected) - seen)
    assert not missing, f"these print lines never ran: {missing}"
    assert list(tmp_path.iterdir()) == [], "the tutorial left files behind"
