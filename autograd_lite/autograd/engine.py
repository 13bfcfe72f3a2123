"""The graph node and the iterative reverse-mode engine.

A ``Node`` records one differentiable operation: the op, an edge per input (the parent's node, the leaf
tensor itself, or None when no gradient is needed), the arrays its vector-Jacobian product needs, and the
version of every saved array so that an in-place change after the forward pass is detected at backward time.
Backward runs in topological order with an explicit work list (no recursion), accumulates into leaves,
and frees saved buffers unless ``retain_graph`` is set.
"""

from typing import Any, Dict

import numpy as np

from .grad_mode import _state
from .hooks import LEAF_HOOKS, call_tensor_hooks, leaf_hooks

# The differentiable Tensor namespace used by vjps under create_graph, and the Tensor class; installed by
# autograd_lite.functions.namespace so that the engine never imports upward.
_graph_ns: Dict[str, Any] = {}


class Node:
    """One recorded operation; its vjp reads ``x`` (inputs), ``y`` (output), ``saved`` and ``p`` (params).

    ``edges`` has one entry per input: the node that produced it, the leaf tensor itself, or None when no
    gradient is needed. ``checks`` lists (version counter, version when saved, input index or -1 for the
    output) for every saved array, so that a change in place after the forward pass is caught.
    """

    __slots__ = (
        "op",
        "edges",
        "x",
        "y",
        "saved",
        "p",
        "needs",
        "shapes",
        "dtypes",
        "checks",
        "y_vc",
        "x_vcs",
        "freed",
        "retained",
        "hooks",
        "__weakref__",
    )

    xp = None  # numpy namespace, set by autograd_lite.functions.namespace: vjps on a Node run on plain arrays

    def __init__(self, op, params, saved, edges, shapes, dtypes):
        self.op, self.p, self.saved = op, params, saved
        self.edges, self.shapes, self.dtypes = edges, shapes, dtypes
        self.needs = tuple([edge is not None for edge in edges])
        self.freed, self.retained, self.hooks = False, None, None
        self.x = self.x_vcs = self.y = self.y_vc = None
        self.checks = []

    def save_inputs(self, arrays, vcs):
        """Keep the input arrays for the vjp, with the versions of those it reads (``op.reads``)."""
        self.x, self.x_vcs = arrays, vcs
        reads = self.op.reads(self.needs) if self.op.reads is not None else None
        self.checks = [(vc, vc[0], i) for i, vc in enumerate(vcs) if vc is not None and (reads is None or reads[i])]

    def save_output(self, out, vc):
        """Keep the output array for the vjp (``op.saves_y``), with its version."""
        self.y, self.y_vc = out, vc
        self.checks.append((vc, vc[0], -1))

    def name(self):
        """torch's name for this node: ``"MulBackward0"`` (``"MyFnBackward"`` for a custom Function)."""
        if getattr(self.op, "custom_function", False):
            return f"{self.op.__name__}Backward"
        return f"{self.op.__name__}Backward0"

    @property
    def next_functions(self):
        """(the node, or an ``AccumulateGrad`` for a leaf, or None; the output index) per input, as torch."""
        return tuple(_next_function(edge) for edge in self.edges)

    def __repr__(self):
        return f"<{self.op.__name__}Backward>"


class AccumulateGrad:
    """What ``next_functions`` shows for a leaf (as torch): ``variable`` is the leaf tensor."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def _next_function(edge):
    if edge is None:
        return (None, 0)
    if type(edge) is not Node:
        return (AccumulateGrad(edge), 0)
    if getattr(edge.op, "selects_output", False):  # one output of a multi-output node (a custom Function)
        return (edge.edges[0], edge.p["index"])
    return (edge, 0)


class GraphCtx:
    """The vjp context under create_graph: inputs and output as Tensors, so the backward pass is recorded."""

    __slots__ = ("x", "y", "saved", "p", "needs", "xp", "op")


class SavedTensorModifiedError(RuntimeError):
    """A tensor saved for backward was changed in place after the forward pass."""


def _check_versions(node):
    for vc, version, index in node.checks:
        if vc[0] != version:
            what = "its output" if index < 0 else f"input {index}, of shape {node.shapes[index]}"
            raise SavedTensorModifiedError(
                f"one of the tensors needed to compute the gradient of {node.op.name} ({what}) has been "
                f"modified by an in-place operation: it is at version {vc[0]}, expected version {version}. "
                "Make the change out of place (x = x + 1 instead of x += 1) or change it after backward."
            )


def _freed_error(node):
    return RuntimeError(
        f"trying to backward through the graph a second time: the buffers saved by {node.op.name} were "
        "freed by the first backward. Pass retain_graph=True to the first backward (or autograd_lite.grad) "
        "if you need to backward through the graph again."
    )


def _graph_ctx(node):
    """Rebuild the node's inputs and output as Tensors connected to the graph, for create_graph."""
    tensor = _graph_ns["Tensor"]._from_graph
    ctx = GraphCtx()
    ctx.op, ctx.p, ctx.saved, ctx.needs, ctx.xp = node.op, node.p, node.saved, node.needs, _graph_ns["xp"]
    if node.x is not None:
        ctx.x = tuple(
            edge
            if (edge is not None and type(edge) is not Node)
            else (tensor(arr, edge, vc) if edge is not None else arr)
            for arr, edge, vc in zip(node.x, node.edges, node.x_vcs)
        )
    else:
        ctx.x = None
    ctx.y = tensor(node.y, node, node.y_vc) if node.y is not None else None
    return ctx


def sum_to(g, shape, xp):
    """Reduce a broadcast gradient back to an input's shape (summing leading and stretched dims)."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    if axes:
        g = xp.sum(g, axes, True)
        if lead:
            g = xp.reshape(g, shape)
    return g


def _call_vjp(node, g, create_graph):
    """The node's raw vjp (one entry per input; the caller conforms shapes and dtypes)."""
    if node.freed:
        raise _freed_error(node)
    if node.checks:
        _check_versions(node)
    if create_graph:
        return node.op.vjp(_graph_ctx(node), g)
    return node.op.vjp(node, g)


def _conform(ge, shape, dtype, xp):
    """A vjp result brought back to its input's shape (summing broadcast dims) and dtype."""
    if ge.shape != shape:
        ge = sum_to(ge, shape, xp)
    if ge.dtype != dtype:
        ge = xp.astype(ge, dtype)
    return ge


class VJPError(RuntimeError):
    """An op's vector-Jacobian product returned something that cannot be an input's gradient: a bug in
    that op, reported where it happens instead of as a wrongly shaped ``.grad`` later."""


def _vjp_arity_error(node, result):
    """The error for a vjp that did not return a tuple with one entry per input."""
    got = f"{len(result)} gradients" if type(result) in (tuple, list) else f"a {type(result).__name__}"
    return VJPError(
        f"the vjp of {node.op.name} returned {got}; expected a tuple with one gradient (or None) "
        f"for each of its {len(node.edges)} input(s), of shapes {list(node.shapes)}"
    )


def _checked_conform(node, grads, ge, shape, dtype, xp):
    """``_conform`` after checking the vjp result: runs only when its shape or dtype differs from the
    input's, so the common path pays nothing for the check."""
    _check_vjp_result(node, grads, ge, shape)
    return _conform(ge, shape, dtype, xp)


def _check_vjp_result(node, grads, ge, shape):
    """Raise VJPError unless ``ge`` (one of the vjp's ``grads``) can be summed down to ``shape``
    (broadcast-compatible) and is floating."""
    index = next(i for i, candidate in enumerate(grads) if candidate is ge)
    dims = getattr(ge, "shape", None)
    dtype = getattr(ge, "dtype", None)
    if dims is None or dtype is None:
        raise VJPError(
            f"the vjp of {node.op.name} returned a {type(ge).__name__} for input {index}; "
            f"expected an array of shape {shape}"
        )
    lead = len(dims) - len(shape)
    compatible = lead >= 0 and all(n == 1 or n == m for n, m in zip(shape, dims[lead:]))
    if not compatible:
        raise VJPError(
            f"the vjp of {node.op.name} returned a gradient of shape {tuple(dims)} for input "
            f"{index} of shape {shape}; expected that shape or one that broadcasts to it"
        )
    if np.dtype(dtype).kind not in "fc":
        raise VJPError(
            f"the vjp of {node.op.name} returned a {np.dtype(dtype)} gradient for input {index} "
            f"of shape {shape}; expected a floating dtype"
        )


def _free(node):
    """Drop the arrays saved for the vjp (shape metadata is kept: it holds no memory worth freeing)."""
    if node.x is not None or node.y is not None or isinstance(node.saved, np.ndarray):
        node.x = node.y = node.saved = None
        node.freed = True


def _add(a, b, create_graph):
    return a + b


def _accumulate_leaf(leaf, g, borrowed, create_graph):
    """Add g into leaf.grad (in place when safe, recorded when create_graph)."""
    tensor_cls = _graph_ns["Tensor"]
    if create_graph:
        if not isinstance(g, tensor_cls):
            g = tensor_cls(g)
        leaf._grad = g if leaf._grad is None else leaf._grad + g
        return
    if isinstance(g, tensor_cls):
        g = g._array
    if type(g) is not np.ndarray:
        g = np.asarray(g)
    current = leaf._grad
    if current is None:
        if g.base is not None or id(g) in borrowed:
            g = g.copy()
        borrowed.add(id(g))
        leaf._grad = tensor_cls._wrap(g)
    elif current._array.shape == g.shape and current._array.flags.writeable and current.grad_fn is None:
        np.add(current._array, g, out=current._array, casting="unsafe")
    else:
        leaf._grad = tensor_cls._wrap(np.asarray(current._array + g))


def run_backward(roots, seeds, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``seeds`` from ``roots`` to the leaves.

    Without ``capture`` the gradients accumulate into each leaf's ``.grad`` (Tensor.backward). With a
    ``capture`` dict (keys: leaf tensors or nodes) the gradients of those keys are stored there instead
    and no ``.grad`` is touched (autograd_lite.grad).
    """
    prev_mode = _state.enabled
    _state.enabled = bool(create_graph)
    try:
        _run(roots, seeds, retain_graph, create_graph, capture)
    finally:
        _state.enabled = prev_mode


def _store(key, g, capture):
    if key in capture:
        prev = capture[key]
        capture[key] = g if prev is None else prev + g


class _Pass:
    """The state of one backward pass: the gradient waiting at each node, how many consumers each node
    still waits for, the nodes ready to run, and where leaf gradients go (``.grad`` or ``capture``)."""

    __slots__ = ("grads", "deps", "ready", "borrowed", "capture", "create_graph", "retain_graph", "xp", "hooked")

    def __init__(self, retain_graph, create_graph, capture):
        self.grads, self.deps, self.ready, self.borrowed = {}, {}, [], set()
        self.hooked = None  # id(leaf) -> [leaf, consumers left, gradient so far], for leaves with hooks
        self.capture, self.create_graph, self.retain_graph = capture, create_graph, retain_graph
        self.xp = _graph_ns["xp"] if create_graph else Node.xp

    def seed(self, roots, seeds):
        """Place each root's seed gradient (a leaf root takes it at once); returns the root nodes."""
        root_nodes = []
        for t, seed in zip(roots, seeds):
            self.borrowed.add(id(seed))
            node = t.grad_fn
            if node is None:
                hooks = leaf_hooks(t) if LEAF_HOOKS else None
                self.to_leaf(t, seed if hooks is None else self.call_hooks(hooks, seed, "a leaf tensor"))
            elif node in self.grads:
                self.grads[node] = self.grads[node] + seed
            else:
                self.grads[node] = seed
                root_nodes.append(node)
        return root_nodes

    def to_leaf(self, leaf, g):
        """A gradient reaching a leaf: into its ``.grad``, or into ``capture`` for autograd_lite.grad."""
        if self.capture is None:
            _accumulate_leaf(leaf, g, self.borrowed, self.create_graph)
        else:
            _store(leaf, g, self.capture)

    def call_hooks(self, hooks, g, where):
        """Pass a tensor's gradient through its hooks (``Tensor.register_hook``). A hook may keep the
        gradient it is given, or return one the caller holds: neither may be accumulated into in place."""
        self.borrowed.add(id(g))
        g = call_tensor_hooks(hooks, g, where, _graph_ns["Tensor"])
        self.borrowed.add(id(g))
        return g

    def count_hooked_leaves(self, nodes):
        """Count the consumers of every leaf with hooks among ``nodes``' inputs (captured ones only, for
        autograd_lite.grad), so that its hooks run once, on the sum of its gradients, as torch's do."""
        hooked = {}
        for node in nodes:
            for edge in node.edges:
                if edge is None or type(edge) is Node:
                    continue
                entry = hooked.get(id(edge))
                if entry is not None:
                    entry[1] += 1
                elif leaf_hooks(edge) is not None and (self.capture is None or edge in self.capture):
                    hooked[id(edge)] = [edge, 1, None]
        self.hooked = hooked or None

    def arrive(self, leaf, g):
        """A gradient (or None) from one consumer of a leaf with hooks; after the last one, the sum goes
        through the hooks and on to the leaf."""
        entry = self.hooked[id(leaf)]
        if g is not None:
            entry[2] = g if entry[2] is None else entry[2] + g
        entry[1] -= 1
        if entry[1] == 0 and entry[2] is not None and (self.capture is not None or leaf._rg):
            hooks = leaf_hooks(leaf)
            total = entry[2] if hooks is None else self.call_hooks(hooks, entry[2], "a leaf tensor")
            self.to_leaf(leaf, total)

    def release(self, edge):
        """One consumer of ``edge`` is done; it is ready once all are."""
        left = self.deps[edge] - 1
        self.deps[edge] = left
        if left == 0:
            self.ready.append(edge)

    def skip(self, node, g):
        """A node outside the part of the graph autograd_lite.grad needs: hand on its gradient if captured."""
        if g is not None:
            if node.hooks is not None:
                g = self.call_hooks(node.hooks, g, f"the output of {node.op.name}")
            _store(node, g, self.capture)
        for edge in node.edges:
            if type(edge) is Node:
                self.release(edge)

    def process(self, node, g):
        """Run one node's vjp, after handing its incoming gradient to capture (as torch: before the
        tensor's hooks), its hooks (``Tensor.register_hook``) and retain_grad."""
        capture = self.capture
        if capture is not None:
            _store(node, g, capture)
        if node.hooks is not None:
            g = self.call_hooks(node.hooks, g, f"the output of {node.op.name}")
        if capture is None and node.retained is not None:
            t = node.retained()
            if t is not None:
                _accumulate_leaf(t, g, self.borrowed, self.create_graph)
        self.borrowed.add(id(g))
        return _call_vjp(node, g, self.create_graph)

    def step(self, node, g):
        """Run the node's vjp on its gradient and send each input's part to its edge; free the node."""
        if g is not None:
            parent_grads = self.process(node, g)
            if type(parent_grads) not in (tuple, list) or len(parent_grads) != len(node.edges):
                raise _vjp_arity_error(node, parent_grads)
        else:
            parent_grads = (None,) * len(node.edges)
        for edge, ge, shape, dtype in zip(node.edges, parent_grads, node.shapes, node.dtypes):
            if edge is None:
                continue
            try:
                if ge is not None and (ge.shape != shape or ge.dtype != dtype):
                    ge = _checked_conform(node, parent_grads, ge, shape, dtype, self.xp)
            except AttributeError:  # not an array at all
                _check_vjp_result(node, parent_grads, ge, shape)
            if type(edge) is Node:
                if ge is not None:
                    prev = self.grads.get(edge)
                    self.grads[edge] = ge if prev is None else prev + ge
                self.release(edge)
            elif self.hooked is not None and id(edge) in self.hooked:
                self.arrive(edge, ge)
            elif ge is not None and (self.capture is not None or edge._rg):
                self.to_leaf(edge, ge)
        if not self.retain_graph:
            _free(node)


def _run(roots, seeds, retain_graph, create_graph, capture):
    """Seed the roots, count each node's consumers, then run every node once all its consumers have."""
    run = _Pass(retain_graph, create_graph, capture)
    root_nodes = run.seed(roots, seeds)
    run.deps = _count_dependencies(root_nodes)
    # autograd_lite.grad runs only the nodes between the outputs and the inputs (as torch): the history
    # behind a non-leaf input is neither computed nor freed
    needed = _needed_nodes(root_nodes, run.deps, capture) if capture is not None else None
    if LEAF_HOOKS:
        run.count_hooked_leaves(set(root_nodes).union(run.deps))
    run.ready = [n for n in root_nodes if run.deps.get(n, 0) == 0]
    while run.ready:
        node = run.ready.pop()
        g = run.grads.pop(node, None)
        if needed is not None and node not in needed:
            run.skip(node, g)
        else:
            run.step(node, g)


def _needed_nodes(root_nodes, deps, capture):
    """The nodes from which a captured key (leaf tensor or node) can be reached through their edges."""
    left = dict(deps)
    order = []
    ready = [n for n in root_nodes if left.get(n, 0) == 0]
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node.edges:
            if type(edge) is Node:
                left[edge] -= 1
                if left[edge] == 0:
                    ready.append(edge)
    needed = set()
    for node in reversed(order):  # producers before their consumers
        for edge in node.edges:
            if edge is not None and (edge in capture or edge in needed):
                needed.add(node)
                break
    return needed


def _count_dependencies(root_nodes):
    """Number of consumers of each node reachable from the roots (explicit stack, no recursion)."""
    deps = {}
    seen = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for edge in node.edges:
            if type(edge) is Node:
                deps[edge] = deps.get(edge, 0) + 1
                if edge not in seen:
                    seen.add(edge)
                    stack.append(edge)
    return deps
