"""``autograd_lite.compile(fn)``: record the operations of a function's eager calls, then replay them.

The first two calls with a given signature (the tensor arguments' shapes, dtypes and requires_grad, the
other arguments' values, the grad mode) run ``fn`` eagerly while a tracer records every operation: which op,
with which parameters, on which inputs (an argument, an earlier operation's output, a tensor from outside
such as a parameter, or a constant). When the two recordings agree, later calls skip ``fn``'s Python code,
its modules, the graph of tensors and nodes and the backward engine's bookkeeping: they run the same
forward functions on the new arguments' arrays and return a tensor whose one graph node runs the recorded
vector-Jacobian products in the order the engine would. Every array function called is the one the eager
call makes, in the same order, so the values and gradients are bit-identical to eager ones.

As ``torch.jit.trace``, a recording holds what ``fn``'s Python code decided while it ran: branches on
tensor values and any Python state it reads are frozen. A call runs eagerly again when something that the
recording depends on changed: a new signature, a module switched between train and eval, a parameter
replaced, a tensor from outside that now requires grad or has another shape. And ``fn`` stays eager (for
that signature) when it cannot be replayed faithfully: a module with hooks, an operation on an array
computed in Python (a dropout mask), a tensor changed in place (batch-norm running statistics in training),
an outside tensor that is part of a graph, a tensor that requires grad used twice (its gradient's sum
order), or an output that is not one tensor computed by an operation. ``compiled.eager_reason(*args)``
says why, for debugging.
"""

import functools
import threading

import numpy as np

from .autograd.engine import Node, _check_versions, _check_vjp_result, _checked_conform, _vjp_arity_error
from .autograd.grad_mode import _state
from .autograd.tracing import TRACERS
from .ops.base import Op
from .tensor import Tensor, _refresh

__all__ = ["compile", "Compiled"]

MAX_SIGNATURES = 8  # recordings kept per function; calls with further signatures run eagerly
_EAGER = "eager"  # the state of a signature whose arguments cannot be hashed


class _Refused:
    """A signature that runs eagerly, for as long as the modules it called keep their train/eval modes."""

    def __init__(self, tracer):
        self.modes = [(m, m.training) for m in tracer.modules.values()]

    def holds(self):
        return all(m.training is training for m, training in self.modes)


ARG, TAPE, OUTSIDE, CONST = range(4)  # where an operation's input comes from


def compile(fn):
    """``fn`` (a function of tensors returning one tensor, e.g. a model's loss) made to replay its recorded
    operations after two identical eager calls: same results, bit for bit, without the Python overhead."""
    return Compiled(fn)


class _Untraceable(Exception):
    """Why a call cannot be replayed faithfully; the function then stays eager for that signature."""


class _Entry:
    """One recorded operation: ``refs`` say where each input comes from, ``params`` its keyword arguments
    (``array_params``: those that are an argument's array), ``result`` the traced output tensor."""

    __slots__ = (
        "op",
        "refs",
        "params",
        "array_params",
        "result",
        "slots",
        "version_refs",
        "needs",
        "sources",
        "shapes",
        "dtypes",
    )

    def __init__(self, op, refs, params, array_params, result):
        self.op, self.refs, self.params, self.array_params, self.result = op, refs, params, array_params, result

    def same_as(self, other):
        """Whether ``other`` (from another recording) is the same operation on the same sources."""
        if self.op is not other.op or len(self.refs) != len(other.refs) or self.array_params != other.array_params:
            return False
        for (kind, value), (other_kind, other_value) in zip(self.refs, other.refs):
            if kind != other_kind or not _same_value(value, other_value):
                return False
        return _same_value(self.params, other.params)


def _same_value(a, b):
    """Equality for recorded constants and parameters: identity for tensors, values for the rest."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, Tensor):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _plain(value, where):
    """``value`` if it can be frozen into a recording (numbers, strings, dtypes, tuples of them...)."""
    if isinstance(value, (tuple, list)):
        for item in value:
            _plain(item, where)
    elif isinstance(value, dict):
        for item in value.values():
            _plain(item, where)
    elif isinstance(value, Tensor):
        raise _Untraceable(f"{where} is a tensor passed as a parameter")
    elif isinstance(value, np.ndarray):
        raise _Untraceable(f"{where} is an array computed in Python (it would be frozen), shape {value.shape}")
    return value


def _class_indices_hold(target, n_classes):
    """The eager path's test of class-index targets (``cross_entropy``'s fast path): 1-D, all in range."""
    return target.ndim == 1 and bool((target.astype(np.uint64) < n_classes).all())  # negatives wrap to huge


def _checked_array_params(op, inputs, array_params):
    """``array_params`` with the check a replay must repeat on each new argument's array: the Python code
    that checked its values before the operation will not run then. Ops without such a check are refused."""
    if op.__name__ == "CrossEntropyIndices" and [key for key, _ in array_params] == ["target"]:
        n_classes = inputs[0]._array.shape[1]
        return tuple((key, index, n_classes) for key, index in array_params)
    raise _Untraceable(f"{op.name} reads an argument's array directly (its values are checked in Python)")


def _has_hooks(module):
    """Whether ``module`` has a hook now (one added after a recording makes its function eager again)."""
    return module._hooks is not None and module._hooks.active()


class _Tracer:
    """Watches one eager call (``autograd.tracing``): the operations in order and the modules called."""

    def __init__(self, args):
        self.arg_index = {id(a): i for i, a in enumerate(args) if isinstance(a, Tensor)}
        self.arg_array_index = {id(a._array): i for i, a in enumerate(args) if isinstance(a, Tensor)}
        self.produced = {}  # id(output tensor) -> entry index
        self.entries = []
        self.modules = {}
        self.versions = []  # (tensor, its version when first seen): a change in place is caught at the end
        self.problem = None
        self.thread = threading.get_ident()  # operations run by other threads meanwhile are not fn's

    def module(self, module):
        if threading.get_ident() != self.thread:
            return
        if _has_hooks(module) and self.problem is None:
            self.problem = f"module {type(module).__name__} has hooks"
        self.modules.setdefault(id(module), module)

    def refuse(self, why):
        """Something fn ran cannot be replayed (``why``, e.g. a custom autograd.Function): fn stays eager."""
        if self.problem is None and threading.get_ident() == self.thread:
            self.problem = why

    def escape(self, tensor, how):
        """A tensor's values went to Python (``how``): what fn does with them cannot be recorded."""
        self.refuse(f"a tensor's values were read in Python ({how}), shape {tensor.shape}")

    def record(self, op, inputs, params, result):
        if self.problem is not None or threading.get_ident() != self.thread:
            return
        try:
            refs = tuple(self._source(op, i, x) for i, x in enumerate(inputs))
            array_params = tuple(
                (key, self.arg_array_index[id(value)])
                for key, value in params.items()
                if isinstance(value, np.ndarray) and id(value) in self.arg_array_index
            )
            if array_params:
                array_params = _checked_array_params(op, inputs, array_params)
            skip = {entry[0] for entry in array_params}
            plain = {key: _plain(v, f"{op.name}'s parameter {key!r}") for key, v in params.items() if key not in skip}
        except _Untraceable as problem:
            self.problem = str(problem)
            return
        except Exception as error:  # the user's eager call must never fail because it is being recorded
            self.problem = f"recording {op.name} failed: {error!r}"
            return
        self.produced[id(result)] = len(self.entries)
        self.versions.append((result, result._vc[0]))
        self.entries.append(_Entry(op, refs, plain, array_params, result))

    def _source(self, op, position, x):
        if isinstance(x, Tensor):
            key = id(x)
            if key in self.produced:
                return (TAPE, self.produced[key])
            if key in self.arg_index:
                self.versions.append((x, x._vc[0]))
                return (ARG, self.arg_index[key])
            if x._fn is not None:
                raise _Untraceable(
                    f"input {position} of {op.name} is a tensor computed outside the function, in a graph"
                )
            self.versions.append((x, x._vc[0]))
            return (OUTSIDE, x)
        if isinstance(x, np.ndarray):
            raise _Untraceable(f"input {position} of {op.name} is an array computed in Python, shape {x.shape}")
        return (CONST, _plain(x, f"input {position} of {op.name}"))

    def release(self):
        """Drop the traced tensors (and so their graph): a recording waiting for its twin keeps only structure."""
        for entry in self.entries:
            entry.result = None
        self.produced, self.versions, self.modules = {}, [], {}

    def finish(self, out):
        """The problem that prevents a replay, or None."""
        if self.problem is not None:
            return self.problem
        if not isinstance(out, Tensor) or id(out) not in self.produced:
            return "the function must return one tensor computed by an operation"
        for t, version in self.versions:
            if t._vc[0] != version:
                return f"a tensor of shape {t.shape} was changed in place"
        return None


class _Ctx:
    """What a vjp reads (as from a graph ``Node``), made for one replayed operation; ``edges`` holds where
    each input's gradient goes (an entry, a leaf slot as -1 - slot, or None) instead of graph edges."""

    __slots__ = ("op", "x", "y", "saved", "p", "needs", "edges", "shapes", "dtypes", "checks")
    xp = None  # numpy's vjp namespace (Node.xp), set when the first plan is made


class _Plan:
    """What a replay runs: the operations, the guards that must still hold, and the backward schedule.

    A replay keeps its arrays in one list, ``env``: the arguments, the outside tensors' arrays, the
    constants, then each operation's output; every input of an operation is an index into it."""

    def __init__(self, tracer, out, n_args):
        _Ctx.xp = Node.xp
        self.entries = tracer.entries
        self.output = tracer.produced[id(out)]
        self.modules = [(m, m.training) for m in tracer.modules.values()]
        self.registries = [
            (registry, tuple(registry.values()))
            for m in tracer.modules.values()
            for registry in (m._parameters, m._buffers)
            if registry
        ]
        self._lay_out(n_args)
        self.class_index_checks = [(index, n) for e in self.entries for _, index, n in e.array_params]
        self.backward = out._fn is not None and self.entries[self.output].result._fn is not None
        if self.backward:
            self._schedule()
        for entry in self.entries:
            entry.result = entry.result._fn is not None  # keep only whether it was recorded: frees the arrays

    def _lay_out(self, n_args):
        """Give every input an index into ``env`` (see the class docstring)."""
        outside, consts = {}, []
        for entry in self.entries:
            for kind, value in entry.refs:
                if kind == OUTSIDE:
                    outside.setdefault(id(value), value)
        self.outside = list(outside.values())
        self.outside_guards = [(t, t._array.shape, t._array.dtype, t._rg) for t in self.outside]
        position = {key: n_args + i for i, key in enumerate(outside)}
        for entry in self.entries:
            for kind, value in entry.refs:
                if kind == CONST:
                    consts.append(value)
        self.consts = consts
        first_output = n_args + len(self.outside) + len(consts)
        self.first_output = first_output
        next_const = n_args + len(self.outside)
        for entry in self.entries:
            slots = []
            for kind, value in entry.refs:
                if kind == ARG:
                    slots.append(value)
                elif kind == OUTSIDE:
                    slots.append(position[id(value)])
                elif kind == CONST:
                    slots.append(next_const)
                    next_const += 1
                else:
                    slots.append(first_output + value)
            entry.slots = tuple(slots)
            entry.version_refs = _version_refs(entry)

    def _schedule(self):
        """Leaf slots, each recorded entry's gradient destinations, and the engine's order of the entries."""
        node_entry = {id(e.result._fn): j for j, e in enumerate(self.entries) if e.result._fn is not None}
        self.leaves, leaf_slot = [], {}
        for entry in self.entries:
            node = entry.result._fn
            if node is None:
                continue
            entry.needs, entry.shapes, entry.dtypes = node.needs, node.shapes, node.dtypes
            sources = []
            for (kind, value), needed in zip(entry.refs, node.needs):
                if not needed:
                    sources.append(None)
                elif kind == TAPE:
                    sources.append(value)
                else:
                    key = (kind, value if kind == ARG else id(value))
                    if key in leaf_slot:
                        raise _Untraceable("a tensor that requires grad is used more than once")
                    leaf_slot[key] = len(self.leaves)
                    self.leaves.append((kind, value))
                    sources.append(-1 - leaf_slot[key])
            entry.sources = tuple(sources)
        self.order = _engine_order(self.entries, node_entry, self.output)

    def arguments_hold(self, args):
        """Whether the arguments' arrays read directly by operations pass the eager code's checks."""
        for index, n_classes in self.class_index_checks:
            if not _class_indices_hold(args[index]._array, n_classes):
                return False
        return True

    def guards_hold(self):
        """Whether what the recording froze still holds: train/eval modes, parameters, outside tensors."""
        for module, training in self.modules:
            if module.training is not training or _has_hooks(module):
                return False
        for registry, values in self.registries:
            if len(registry) != len(values) or any(a is not b for a, b in zip(registry.values(), values)):
                return False
        for t, shape, dtype, rg in self.outside_guards:
            if t._rg is not rg or t._fn is not None or t._array.shape != shape or t._array.dtype != dtype:
                return False
        return True

    def replay(self, args):
        """The eager call's result, from the recorded operations on ``args``' arrays."""
        env = []
        for a in args:
            if isinstance(a, Tensor):
                if a._view is not None and a._view.version != a._vc[0]:
                    _refresh(a)
                env.append(a._array)
            else:
                env.append(a)
        env += [t._array for t in self.outside]
        env += self.consts
        record = self.backward and _state.enabled
        ctxs = {} if record else None
        out_vc = [0]
        for j, entry in enumerate(self.entries):
            inputs = [env[k] for k in entry.slots]
            params = entry.params
            if entry.array_params:
                params = dict(params)
                for key, index, _ in entry.array_params:
                    params[key] = env[index]
            out, saved = entry.op.forward(*inputs, **params)
            if out.__class__ is not np.ndarray:
                out = np.asarray(out)
            env.append(out)
            if record and entry.result:
                ctxs[j] = _ctx(entry, params, saved, inputs, out, args, out_vc if j == self.output else [0])
        out = env[self.first_output + self.output]
        if not record:
            return Tensor._wrap(out)
        return Tensor._from_graph(out, self._fused_node(ctxs, args), out_vc)

    def _fused_node(self, ctxs, args):
        """One node for the whole recorded backward; its edges are the leaves (parameters, arguments)."""
        tensors = [args[value] if kind == ARG else value for kind, value in self.leaves]
        edges = tuple((t._fn or t) for t in tensors)
        node = Node(_CompiledBackward, {}, (self, ctxs), edges, [t.shape for t in tensors], [t.dtype for t in tensors])
        node.x, node.x_vcs = (), ()  # nothing else kept: freeing the node after backward drops the entries' ctxs
        return node


def _version_refs(entry):
    """(input position, ref) of the inputs whose version the vjp must find unchanged: those it reads that
    the user can change in place (arguments and outside tensors)."""
    op = entry.op
    if not op.saves_x:
        return ()
    needs = entry.result._fn.needs if entry.result._fn is not None else None
    reads = op.reads(needs) if (op.reads is not None and needs is not None) else None
    return tuple(
        (i, ref) for i, ref in enumerate(entry.refs) if ref[0] in (ARG, OUTSIDE) and (reads is None or reads[i])
    )


def _ctx(entry, params, saved, inputs, out, args, out_vc):
    """The vjp context the eager call's graph node would have held for ``entry``."""
    op = entry.op
    ctx = _Ctx()
    ctx.op, ctx.p, ctx.saved, ctx.needs, ctx.edges = op, params, saved, entry.needs, entry.sources
    ctx.shapes, ctx.dtypes = entry.shapes, entry.dtypes
    ctx.x = inputs if op.saves_x else None
    ctx.y = out if op.saves_y else None
    checks = []
    for i, (kind, value) in entry.version_refs:
        vc = args[value]._vc if kind == ARG else value._vc
        checks.append((vc, vc[0], i))
    if op.saves_y:
        checks.append((out_vc, out_vc[0], -1))
    ctx.checks = checks
    return ctx


def _engine_order(entries, node_entry, root):
    """The order in which the backward engine runs the recorded entries' nodes from ``root``: the same
    dependency counting and last-in-first-out ready list, so gradients are summed in the same order."""
    deps = {}
    seen, stack = {root}, [root]
    while stack:
        j = stack.pop()
        for edge in entries[j].result._fn.edges:
            if type(edge) is Node and id(edge) in node_entry:
                k = node_entry[id(edge)]
                deps[k] = deps.get(k, 0) + 1
                if k not in seen:
                    seen.add(k)
                    stack.append(k)
    order, ready = [], [root]
    while ready:
        j = ready.pop()
        order.append(j)
        for edge in entries[j].result._fn.edges:
            if type(edge) is Node and id(edge) in node_entry:
                k = node_entry[id(edge)]
                deps[k] -= 1
                if deps[k] == 0:
                    ready.append(k)
    return order


class _CompiledBackward(Op):
    """The backward of one replayed call: the recorded vjps in the engine's order, leaves' gradients out."""

    name = "compiled function"
    saves_x = False

    @staticmethod
    def vjp(ctx, g):
        if type(g) is not np.ndarray:
            raise RuntimeError(
                "a compiled function's backward cannot be recorded (create_graph=True): call the function "
                "without autograd_lite.compile for higher-order gradients"
            )
        plan, ctxs = ctx.saved
        return _run_backward(plan, ctxs, g)


_CompiledBackward.__name__ = "Compiled"


def _run_backward(plan, ctxs, g):
    """Each scheduled entry's vjp on the gradient summed into it; returns the leaves' gradients."""
    grads = {plan.output: g}
    leaves = [None] * len(plan.leaves)
    xp = Node.xp
    for j in plan.order:
        gj = grads.pop(j, None)
        if gj is None:
            continue
        node = ctxs[j]
        if node.checks:
            _check_versions(node)
        parent_grads = node.op.vjp(node, gj)
        if type(parent_grads) not in (tuple, list) or len(parent_grads) != len(node.edges):
            raise _vjp_arity_error(node, parent_grads)
        for source, ge, shape, dtype in zip(node.edges, parent_grads, node.shapes, node.dtypes):
            if source is None or ge is None:
                continue
            try:
                if ge.shape != shape or ge.dtype != dtype:
                    ge = _checked_conform(node, parent_grads, ge, shape, dtype, xp)
            except AttributeError:  # not an array at all
                _check_vjp_result(node, parent_grads, ge, shape)
            if source >= 0:
                prev = grads.get(source)
                grads[source] = ge if prev is None else prev + ge
            else:
                leaves[-1 - source] = _own(ge, gj, parent_grads)
    return tuple(leaves)


def _own(ge, gj, parent_grads):
    """A leaf's gradient that shares no array with another gradient (as the engine's): a copy when the vjp
    passed its incoming gradient on, or gave the same array to another input too."""
    if ge is gj:
        return ge.copy()
    shared = 0
    for other in parent_grads:
        if other is ge:
            shared += 1
    return ge.copy() if shared > 1 else ge


class Compiled:
    """A function that replays its recorded operations (see the module docstring); call it as ``fn``."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"compile: expected a function or module, got a {type(fn).__name__}")
        self.fn = fn
        self._plans = {}  # signature -> _Plan, a first recording waiting for its twin, or _Refused
        self._reasons = {}
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        if kwargs or TRACERS:  # keyword arguments, or inside another function's recording: plainly eager
            return self.fn(*args, **kwargs)
        key = _signature(args)
        state = self._plans.get(key) if key is not None else _EAGER
        if type(state) is _Plan:
            if state.guards_hold():
                if state.arguments_hold(args):
                    return state.replay(args)
                return self.fn(*args)  # values the eager code refuses (or handles otherwise): its way
            state = None
        elif type(state) is _Refused:
            if state.holds():
                return self.fn(*args)
            state = None
        elif state is _EAGER:
            return self.fn(*args)
        return self._trace(key, state, args)

    def _trace(self, key, first, args):
        """Run ``fn`` eagerly under a tracer; a second recording equal to the first becomes the plan."""
        tracer = _Tracer(args)
        TRACERS.append(tracer)
        try:
            out = self.fn(*args)
        finally:
            TRACERS.pop()
        problem = tracer.finish(out)
        if problem is None and first is not None and not _same_recording(first, tracer):
            problem = "two calls recorded different operations (Python control flow or values changed)"
        if problem is None and first is not None:
            try:
                self._plans[key] = _Plan(tracer, out, len(args))
                self._reasons.pop(key, None)
            except _Untraceable as refused:
                problem = str(refused)
        elif problem is None:
            if len(self._plans) >= MAX_SIGNATURES and key not in self._plans:
                problem = f"more than {MAX_SIGNATURES} signatures"
            else:
                tracer.release()
                self._plans[key] = tracer
        if problem is not None:
            self._plans[key] = _Refused(tracer)
            self._reasons[key] = problem
        return out

    def eager_reason(self, *args):
        """Why calls with ``args``' signature run eagerly (None when they replay or are being recorded)."""
        key = _signature(args)
        return "an argument is not hashable" if key is None else self._reasons.get(key)

    def reset(self):
        """Forget every recording (after changing what ``fn`` reads besides its arguments)."""
        self._plans.clear()
        self._reasons.clear()


def _same_recording(first, second):
    if len(first.entries) != len(second.entries):
        return False
    return all(a.same_as(b) for a, b in zip(first.entries, second.entries))


def _signature(args):
    """The replay key of a call: each tensor's shape, dtype and requires_grad, other values, grad mode."""
    parts = [_state.enabled]
    for a in args:
        if isinstance(a, Tensor):
            parts.append((a._array.shape, a._array.dtype, a._rg, a._fn is not None))
        else:
            parts.append(("value", type(a), a))
    key = tuple(parts)
    try:
        hash(key)
    except TypeError:
        return None
    return key
