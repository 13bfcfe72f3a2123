"""nn.Module machinery and the containers: registration, traversal, modes, gradients, state_dict, repr.

The modules here are hand-built from nn.Parameter so that these tests do not depend on the layers.
"""

from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as al
import nn


class Affine(nn.Module):
    """A Linear look-alike: weight (out, in), optional bias."""

    def __init__(self, n_in, n_out, bias=True):
        super().__init__()
        self.n_in, self.n_out = n_in, n_out
        self.weight = nn.Parameter(al.randn(n_out, n_in))
        if bias:
            self.bias = nn.Parameter(al.randn(n_out))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return f"in_features={self.n_in}, out_features={self.n_out}, bias={self.bias is not None}"


class Act(nn.Module):
    def forward(self, x):
        return x.relu()


class Norm(nn.Module):
    """A BatchNorm look-alike: affine parameters, running statistics and a non-persistent buffer."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.weight = nn.Parameter(al.ones(n))
        self.bias = nn.Parameter(al.zeros(n))
        self.register_buffer("running_mean", al.zeros(n))
        self.register_buffer("running_var", al.ones(n))
        self.register_buffer("num_batches_tracked", al.tensor(0))
        self.register_buffer("scratch", al.zeros(n), persistent=False)

    def forward(self, x):
        return x * self.weight + self.bias

    def extra_repr(self):
        return f"{self.n}, eps=1e-05"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Affine(4, 8), Act(), Norm(8), Affine(8, 8))
        self.head = Affine(8, 3, bias=False)

    def forward(self, x):
        return self.head(self.features(x))


NET_KEYS = [
    "features.0.weight",
    "features.0.bias",
    "features.2.weight",
    "features.2.bias",
    "features.2.running_mean",
    "features.2.running_var",
    "features.2.num_batches_tracked",
    "features.3.weight",
    "features.3.bias",
    "head.weight",
]

NET_REPR = """Net(
  (features): Sequential(
    (0): Affine(in_features=4, out_features=8, bias=True)
    (1): Act()
    (2): Norm(8, eps=1e-05)
    (3): Affine(in_features=8, out_features=8, bias=True)
  )
  (head): Affine(in_features=8, out_features=3, bias=False)
)"""


# ---- registration ------------------------------------------------------------------------------------


def test_attribute_assignment_registers_parameters_modules_and_not_plain_tensors():
    m = nn.Module()
    w = nn.Parameter(al.ones(2))
    child = Act()
    m.w = w
    m.child = child
    m.plain = al.ones(3)  # a plain tensor is an ordinary attribute, not a parameter
    m.number = 5
    assert m.w is w and m.child is child
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"]
    assert list(m.parameters()) == [w]
    assert "plain" not in dict(m.named_parameters()) and "plain" not in m.state_dict()
    assert m.number == 5
    assert {"w", "child"} <= set(dir(m))


def test_register_buffer_persistent_and_not():
    n = Norm(3)
    assert [name for name, _ in n.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked", "scratch"]
    assert "scratch" not in n.state_dict()
    assert "running_mean" in n.state_dict()
    assert n.scratch is n._buffers["scratch"]
    new = al.full((3,), 2.0)
    n.running_mean = new  # assigning a tensor to a buffer name replaces the buffer
    assert n.running_mean is new and n.state_dict()["running_mean"].tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError, match="running_mean"):
        n.running_mean = np.zeros(3)
    n.running_mean = None
    assert "running_mean" not in n.state_dict()
    with pytest.raises(TypeError, match="Tensor"):
        n.register_buffer("other", [1, 2])


def test_assigning_plain_tensor_to_a_parameter_name_is_a_type_error():
    a = Affine(2, 2)
    with pytest.raises(TypeError, match="'weight'"):
        a.weight = al.ones(2, 2)
    with pytest.raises(TypeError, match="'weight'"):
        a.weight = Act()
    assert isinstance(a.weight, nn.Parameter)
    a.weight = None  # None is allowed, and drops the entry from parameters/state_dict
    assert a.weight is None and [n for n, _ in a.named_parameters()] == ["bias"]
    a.weight = nn.Parameter(al.zeros(2, 2))
    assert [n for n, _ in a.named_parameters()] == ["weight", "bias"]


def test_assigning_a_plain_value_to_a_child_module_name_is_a_type_error():
    net = Net()
    with pytest.raises(TypeError, match="'head'"):
        net.head = al.ones(2)
    net.head = None
    assert "head.weight" not in net.state_dict() and list(dict(net.named_children())) == ["features"]


def test_reassigning_a_name_moves_it_between_registries():
    m = nn.Module()
    m.x = Act()
    m.x = p = nn.Parameter(al.ones(1))  # a Parameter replaces a child module of the same name (as torch)
    assert "x" not in m._modules and m._parameters["x"] is p and m.x is p
    m.plain = 3
    m.plain = q = nn.Parameter(al.ones(1))  # ... and a plain attribute
    assert m._parameters["plain"] is q and "plain" not in m.__dict__
    assert list(m.parameters()) == [p, q]


def test_assignment_before_super_init_is_an_attribute_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(al.ones(1))

    with pytest.raises(AttributeError, match="__init__"):
        Bad()


def test_register_parameter_checks():
    m = nn.Module()
    with pytest.raises(TypeError, match="Parameter"):
        m.register_parameter("w", al.ones(1))
    with pytest.raises(KeyError, match=r"\."):
        m.register_parameter("a.b", nn.Parameter(al.ones(1)))
    m.attr = 1
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("attr", nn.Parameter(al.ones(1)))
    with pytest.raises(KeyError, match="already exists"):
        m.add_module("training", Act())
    with pytest.raises(TypeError, match="Module"):
        m.add_module("x", al.ones(1))
    m.register_parameter("maybe", None)
    assert m.maybe is None and list(m.parameters()) == []


def test_delattr_unregisters():
    a = Affine(2, 2)
    del a.bias
    assert [n for n, _ in a.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="bias"):
        a.bias


def test_missing_attribute_message():
    with pytest.raises(AttributeError, match="'Act' object has no attribute 'nope'"):
        Act().nope


# ---- traversal -------------------------------------------------------------------------------------


def test_named_parameters_recursive_in_definition_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [k for k in NET_KEYS if "running" not in k and "num_batches" not in k]
    assert [p for p in net.parameters()] == [p for _, p in net.named_parameters()]
    assert all(isinstance(p, nn.Parameter) for p in net.parameters())
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.features.0.weight"
    assert list(net.parameters(recurse=False)) == []
    assert [n for n, _ in net.features[0].named_parameters(recurse=False)] == ["weight", "bias"]


def test_shared_parameters_and_modules_are_listed_once():
    shared = Affine(3, 3)
    seq = nn.Sequential(shared, Act(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.children())) == 2
    # the state_dict lists a shared module under every name, as torch does
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    # tied parameters in two different modules
    a, b = Affine(2, 2), Affine(2, 2)
    b.weight = a.weight
    tied = nn.Sequential(a, b)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(tied.parameters())) == 3


def test_children_modules_named_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["features", "head"]
    assert list(net.children()) == [net.features, net.head]
    assert [n for n, _ in net.named_modules()] == [
        "",
        "features",
        "features.0",
        "features.1",
        "features.2",
        "features.3",
        "head",
    ]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net",
        "Sequential",
        "Affine",
        "Act",
        "Norm",
        "Affine",
        "Affine",
    ]
    assert net.get_submodule("features.2") is net.features[2]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="nope"):
        net.get_submodule("features.nope")


def test_buffers_are_recursive():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == [
        "features.2.running_mean",
        "features.2.running_var",
        "features.2.num_batches_tracked",
        "features.2.scratch",
    ]
    assert len(list(net.buffers())) == 4 and list(net.buffers(recurse=False)) == []


# ---- modes and gradients -----------------------------------------------------------------------------


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not any(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("yes")


def test_train_calls_overridden_train_of_children():
    class AlwaysEval(Act):
        def train(self, mode=True):
            super().train(mode)
            self.training = False
            return self

    seq = nn.Sequential(Act(), AlwaysEval())
    seq.train()
    assert seq.training and seq[0].training and not seq[1].training


def _backward(net):
    x = al.randn(5, 4)
    net(x).sum().backward()


def test_zero_grad_set_to_none_and_to_zero():
    net = Net()
    _backward(net)
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads) and any(np.any(g.numpy() != 0) for g in grads)
    net.zero_grad(set_to_none=False)
    assert [p.grad for p in net.parameters()] == grads  # same tensors, zeroed in place
    assert all(np.all(p.grad.numpy() == 0) for p in net.parameters())
    _backward(net)
    net.zero_grad()  # default: set_to_none=True
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    assert all(p.requires_grad for p in net.parameters())


def test_apply_visits_children_first_then_self():
    net = Net()
    names = {id(m): n for n, m in net.named_modules()}
    order = []
    assert net.apply(lambda m: order.append(names[id(m)])) is net
    assert order == ["features.0", "features.1", "features.2", "features.3", "features", "head", ""]


def test_apply_can_initialise_weights():
    net = Net()

    def init(m):
        if isinstance(m, Affine):
            m.weight._array[...] = 0.5

    net.apply(init)
    assert all(np.all(m.weight._array == 0.5) for m in net.modules() if isinstance(m, Affine))


def test_to_double():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.features[2].num_batches_tracked.dtype == np.int64  # integer buffers untouched
    assert net(al.randn(2, 4, dtype=al.float64)).dtype == np.float64


# ---- state_dict ------------------------------------------------------------------------------------


def test_state_dict_keys_values_and_memory_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict) and list(sd) == NET_KEYS
    assert all(type(v) is al.Tensor and not v.requires_grad for v in sd.values())
    assert np.shares_memory(sd["head.weight"].numpy(), net.head.weight._array)
    keep = net.state_dict(keep_vars=True)
    assert keep["head.weight"] is net.head.weight
    assert list(net.state_dict(prefix="model.")) == ["model." + k for k in NET_KEYS]


def test_load_state_dict_round_trip_copies_in_place():
    src, dst = Net(), Net()
    params_before = list(dst.parameters())
    result = dst.load_state_dict(src.state_dict())
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    for k, v in src.state_dict().items():
        np.testing.assert_array_equal(dst.state_dict()[k].numpy(), v.numpy())
    assert list(dst.parameters()) == params_before  # same Parameter objects, new values
    assert not np.shares_memory(dst.head.weight._array, src.head.weight._array)
    out = dst(al.ones(2, 4))
    np.testing.assert_allclose(out.detach().numpy(), src(al.ones(2, 4)).detach().numpy(), rtol=1e-6)


def test_load_state_dict_accepts_numpy_arrays_and_casts_dtype():
    net = Net()
    sd = {k: np.full(v.shape, 0.25, dtype=np.float64) for k, v in net.state_dict().items()}
    sd["features.2.num_batches_tracked"] = np.array(7)
    net.load_state_dict(sd)
    assert net.head.weight.dtype == np.float32 and np.all(net.head.weight._array == 0.25)
    assert int(net.features[2].num_batches_tracked) == 7
    version = net.head.weight._version
    net.load_state_dict(sd)
    assert net.head.weight._version > version


def test_load_state_dict_strict_lists_all_problems_in_one_message():
    net = Net()
    sd = net.state_dict()
    del sd["head.weight"], sd["features.0.bias"]
    sd["features.9.weight"] = al.ones(2)
    sd["features.3.weight"] = al.ones(8, 7)
    before = net.features[0].weight._array.copy()
    sd["features.0.weight"] = al.zeros(8, 4)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "features.0.bias", "head.weight"' in msg
    assert 'Unexpected key(s) in state_dict: "features.9.weight"' in msg
    assert "size mismatch for features.3.weight" in msg and "(8, 7)" in msg and "(8, 8)" in msg
    assert msg.index("Missing") < msg.index("Unexpected") < msg.index("size mismatch")
    np.testing.assert_array_equal(net.features[0].weight._array, before)  # nothing was loaded


def test_load_state_dict_non_strict_returns_missing_and_unexpected():
    net = Net()
    sd = net.state_dict()
    del sd["head.weight"]
    sd["extra"] = al.ones(1)
    sd["features.0.weight"] = al.zeros(8, 4)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["head.weight"] and unexpected == ["extra"]
    assert np.all(net.features[0].weight._array == 0)  # the matching keys were loaded
    sd["features.3.bias"] = al.zeros(9)
    with pytest.raises(RuntimeError, match="size mismatch for features.3.bias"):
        net.load_state_dict(sd, strict=False)  # shape mismatches are errors even when not strict


def test_load_state_dict_rejects_non_dicts_and_bad_values():
    net = Net()
    with pytest.raises(TypeError, match="dict"):
        net.load_state_dict([1, 2])
    sd = net.state_dict()
    sd["head.weight"] = "weights"
    with pytest.raises(TypeError, match="head.weight"):
        net.load_state_dict(sd)


def test_non_persistent_buffer_in_loaded_dict_is_unexpected():
    n = Norm(2)
    sd = n.state_dict()
    sd["scratch"] = al.ones(2)
    assert n.load_state_dict(sd, strict=False).unexpected_keys == ["scratch"]


# ---- repr ----------------------------------------------------------------------------------------


def test_repr_nested_like_pytorch():
    assert repr(Net()) == NET_REPR


def test_repr_multiline_extra_repr_and_empty_containers():
    class Multi(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Act()

        def extra_repr(self):
            return "a=1\nb=2"

    class Solo(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n  (inner): Act()\n)"
    assert repr(Solo()) == "Solo(\n  a=1\n  b=2\n)"
    assert repr(nn.Sequential()) == "Sequential()"
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleDict()) == "ModuleDict()"


def test_module_list_repr_compresses_repeats_like_pytorch():
    ml = nn.ModuleList([Act(), Act(), Act(), Affine(1, 2), Act()])
    assert repr(ml) == (
        "ModuleList(\n  (0-2): 3 x Act()\n  (3): Affine(in_features=1, out_features=2, bias=True)\n  (4): Act()\n)"
    )


def test_module_dict_and_module_list_repr_nested():
    md = nn.ModuleDict({"enc": nn.ModuleList([Act()]), "dec": Act()})
    assert repr(md) == "ModuleDict(\n  (enc): ModuleList(\n    (0): Act()\n  )\n  (dec): Act()\n)"


# ---- containers --------------------------------------------------------------------------------------


def test_sequential_indexing_slicing_len_iteration_and_forward():
    a, b, c = Affine(2, 3), Act(), Affine(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c and seq[-3] is a
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c] and list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(IndexError):
        seq[-4]
    x = al.randn(4, 2)
    np.testing.assert_allclose(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())


def test_sequential_from_ordered_dict_keeps_names():
    seq = nn.Sequential(OrderedDict([("fc", Affine(2, 2)), ("act", Act())]))
    assert list(seq._modules) == ["fc", "act"] and seq.fc is seq[0]
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]


def test_sequential_append_extend_insert_setitem_delitem():
    a, b, c, d, e = Act(), Act(), Act(), Act(), Act()
    seq = nn.Sequential(a)
    assert seq.append(b) is seq
    assert seq.extend([c, d]) is seq
    assert list(seq) == [a, b, c, d] and list(seq._modules) == ["0", "1", "2", "3"]
    seq.insert(1, e)
    assert list(seq) == [a, e, b, c, d] and list(seq._modules) == ["0", "1", "2", "3", "4"]
    seq.insert(-1, Act())
    assert seq[4] is not d and seq[5] is d
    with pytest.raises(IndexError):
        seq.insert(10, Act())
    with pytest.raises(TypeError):
        seq.insert(0, al.ones(1))
    seq[0] = c
    assert seq[0] is c
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2", "3", "4"] and seq[0] is e
    # after deleting, appending must add a new module, not overwrite the last one
    del seq[1:3]
    before = list(seq)
    seq.append(a)
    assert list(seq) == before + [a] and list(seq._modules) == ["0", "1", "2", "3"]
    with pytest.raises(TypeError):
        seq.append(al.ones(1))


def test_module_list_operations_and_registration():
    a, b, c = Affine(1, 1), Affine(1, 1), Act()
    ml = nn.ModuleList([a])
    ml.append(b)
    ml.extend([c])
    assert len(ml) == 3 and list(ml) == [a, b, c] and ml[-1] is c
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    sub = ml[:2]
    assert isinstance(sub, nn.ModuleList) and list(sub) == [a, b]
    ml.insert(0, c2 := Act())
    assert list(ml) == [c2, a, b, c] and list(ml._modules) == ["0", "1", "2", "3"]
    ml[1] = d = Act()
    assert ml[1] is d
    del ml[0]
    assert list(ml) == [d, b, c] and list(ml._modules) == ["0", "1", "2"]
    with pytest.raises(IndexError):
        ml[3]
    with pytest.raises(NotImplementedError):
        ml(al.ones(1))

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([Affine(2, 2) for _ in range(2)])

    assert list(Holder().state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]


def test_module_dict_operations():
    a, b = Affine(1, 1), Act()
    md = nn.ModuleDict({"a": a})
    md["b"] = b
    md.update([("c", Act())])
    assert len(md) == 3 and list(md) == ["a", "b", "c"] and "b" in md and "z" not in md
    assert md["a"] is a and list(md.keys()) == ["a", "b", "c"]
    assert list(md.values())[1] is b and list(md.items())[0] == ("a", a)
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert md.pop("b") is b and list(md) == ["a", "c"]
    del md["c"]
    assert list(md) == ["a"]
    with pytest.raises(KeyError):
        md["nope"]
    with pytest.raises(KeyError, match="already exists"):
        md["training"] = Act()  # would shadow Module.training
    assert md.training is True
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == []


def test_deepcopy_of_a_model_copies_parameters_and_keeps_their_type():
    import copy
    import autograd_lite as al

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(al.tensor([[1.0, 2.0]]))

    model = Tiny()
    clone = copy.deepcopy(model)
    assert isinstance(clone.weight, nn.Parameter) and clone.weight.requires_grad
    clone.weight._array[0, 0] = 100.0
    assert model.weight._array[0, 0] == 1.0
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        copy.deepcopy(model.weight * 2)
