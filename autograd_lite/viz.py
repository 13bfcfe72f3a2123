"""Draw the graph behind a tensor: Graphviz DOT text, rendered to SVG/PNG when the ``dot`` program exists.

Op nodes are labelled with the operation and the shape it produced; leaves with their name (from
``params``, e.g. ``dict(model.named_parameters())``) and shape. The walk is iterative, so deep graphs work.
"""

import os
import shutil
import subprocess
import tempfile

from .autograd.engine import Node


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shape_text(shape):
    return str(tuple(int(n) for n in shape))


def to_dot(tensor, params=None, name="output"):
    """The graph that produced ``tensor`` as DOT text (a ``digraph``), inputs pointing to the ops using them."""
    leaf_names = {id(t): n for n, t in (params or {}).items()}
    lines = ["digraph autograd {", '  node [fontname="Helvetica", fontsize=10];', "  rankdir=BT;"]
    ids = {}

    def node_id(obj):
        return ids.setdefault(id(obj), f"n{len(ids)}")

    root = tensor.grad_fn if tensor.grad_fn is not None else tensor
    lines.append(
        f'  out [label={_quote(f"{name} {_shape_text(tensor.shape)}")}, shape=box, style=filled, fillcolor="#c8e6c9"];'
    )
    lines.append(f"  {node_id(root)} -> out;")
    stack, seen = [(root, tensor.shape)], set()
    while stack:
        obj, shape = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if type(obj) is Node:
            lines.append(
                f"  {node_id(obj)} [label={_quote(f'{obj.op.name} {_shape_text(shape)}')}, "
                'shape=ellipse, style=filled, fillcolor="#bbdefb"];'
            )
            for edge, in_shape in zip(obj.edges, obj.shapes):
                if edge is not None:
                    lines.append(f"  {node_id(edge)} -> {node_id(obj)};")
                    stack.append((edge, in_shape))
        else:
            label = leaf_names.get(id(obj), "leaf")
            lines.append(
                f"  {node_id(obj)} [label={_quote(f'{label} {_shape_text(obj.shape)}')}, "
                'shape=box, style=filled, fillcolor="#fff9c4"];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensor, path, format=None, params=None):
    """Write the graph of ``tensor`` to ``path`` as SVG or PNG (format from the extension by default)."""
    format = format or os.path.splitext(path)[1].lstrip(".").lower() or "svg"
    if format not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"viz.render: unsupported format {format!r}; expected 'svg', 'png', 'pdf' or 'dot'")
    text = to_dot(tensor, params)
    if format == "dot":
        with open(path, "w") as f:
            f.write(text)
        return path
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "viz.render: the Graphviz 'dot' program is not installed (on Debian/Ubuntu: "
            "apt-get install graphviz); viz.to_dot(tensor) gives the DOT text to render "
            "elsewhere, or use format='dot'"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as f:
        f.write(text)
    try:
        subprocess.run([dot, f"-T{format}", f.name, "-o", path], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"viz.render: dot failed: {err.stderr.strip()}") from None
    finally:
        os.unlink(f.name)
    return path
