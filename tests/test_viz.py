"""viz: DOT export of a graph and rendering through Graphviz's dot when it is installed."""

import re
import shutil

import pytest

import autograd_lite as al
from autograd_lite import viz


def _graph():
    w = al.randn(3, 2, requires_grad=True)
    x = al.randn(4, 3)
    return w, (x @ w).tanh().sum()


def test_dot_text_names_ops_shapes_and_parameters():
    w, y = _graph()
    text = viz.to_dot(y, params={"weight": w})
    assert text.startswith("digraph autograd {") and text.rstrip().endswith("}")
    for label in ['"sum ()"', '"tanh (4, 2)"', '"matmul (4, 2)"', '"weight (3, 2)"', '"output ()"']:
        assert label in text
    edges = re.findall(r"^\s+(n\d+) -> (n\d+|out);", text, flags=re.M)
    assert len(edges) == 4


def test_dot_of_deep_graph_is_iterative():
    x = al.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    assert viz.to_dot(y).count("mul ()") == 5000


def test_shared_subgraph_is_drawn_once():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    text = viz.to_dot((h * h).sum())
    assert text.count('"exp (2,)"') == 1
    assert text.count('"leaf (2,)"') == 1


def test_render_without_dot_gives_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    _, y = _graph()
    with pytest.raises(RuntimeError, match="Graphviz 'dot' program is not installed"):
        viz.render(y, str(tmp_path / "g.svg"))


def test_render_dot_format_needs_no_graphviz(tmp_path):
    _, y = _graph()
    path = viz.render(y, str(tmp_path / "g.dot"))
    assert open(path).read() == viz.to_dot(y)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_render_svg_with_dot(tmp_path):
    _, y = _graph()
    path = viz.render(y, str(tmp_path / "g.svg"))
    svg = open(path).read()
    assert "<svg" in svg and "tanh" in svg


def test_render_rejects_unknown_format(tmp_path):
    _, y = _graph()
    with pytest.raises(ValueError, match="unsupported format 'gif'"):
        viz.render(y, str(tmp_path / "g.gif"))
