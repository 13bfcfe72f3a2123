"""al.save / al.load: round trips, refusal of pickles and foreign or damaged files, atomic writes."""

import io
import math
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as al
import nn
from autograd_lite import serialization
from autograd_lite.serialization import CheckpointError


def _roundtrip(obj, tmp_path, name="ckpt.pt"):
    path = tmp_path / name
    al.save(obj, path)
    return al.load(path)


def _assert_same(a, b):
    """Deep equality that also checks container types, dtypes and shapes."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, (dict, OrderedDict)):
        assert list(a) == list(b)
        assert [type(k) for k in a] == [type(k) for k in b]
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, (al.Tensor, np.ndarray, np.generic)):
        x, y = np.asarray(a), np.asarray(b)
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


# ---- round trips ---------------------------------------------------------------------------------


def test_round_trip_of_nested_values(tmp_path):
    obj = {
        "model": OrderedDict([("z.weight", al.randn(3, 2)), ("a.bias", al.zeros(3, dtype=al.float64))]),
        "arrays": [
            np.arange(6, dtype=np.int64).reshape(2, 3),
            np.array([True, False]),
            np.array(2.5, dtype=np.float32),
            np.zeros((0, 4), dtype=np.float16),
            np.arange(12, dtype=np.float64).reshape(3, 4).T,
            np.array([1, 2], dtype=np.uint8),
            np.array(["ab", "c"]),
        ],
        "numbers": (1, -2.5, True, None, float("inf"), float("nan"), 2**70, "text", "ünïcode"),
        "scalars": [np.float32(1.5), np.int64(-3), np.bool_(True), np.float64(0.1), np.str_("s")],
        7: {0: "int keys", -1: []},
        "empty": {},
        "dtype": al.float32,
        "0-d tensor": al.tensor(3.0),
        "int tensor": al.tensor([1, 2, 3]),
        "bool tensor": al.tensor([True, False]),
    }
    loaded = _roundtrip(obj, tmp_path)
    _assert_same(loaded, obj)
    assert isinstance(loaded["model"], OrderedDict) and type(loaded) is dict
    assert list(loaded["model"]) == ["z.weight", "a.bias"]  # order kept, not sorted


def test_tensors_come_back_as_detached_tensors_and_arrays_as_arrays(tmp_path):
    p = nn.Parameter(al.randn(2, 2))
    loaded = _roundtrip({"param": p, "tensor": al.ones(2), "array": np.ones(2)}, tmp_path)
    assert type(loaded["param"]) is al.Tensor and not loaded["param"].requires_grad
    assert loaded["param"].grad_fn is None
    np.testing.assert_array_equal(loaded["param"].numpy(), p._array)
    assert type(loaded["tensor"]) is al.Tensor and type(loaded["array"]) is np.ndarray


def test_a_shared_tensor_is_stored_once_and_restored_as_one_object(tmp_path):
    t = al.randn(3)
    loaded = _roundtrip({"a": t, "b": [t]}, tmp_path)
    assert loaded["a"] is loaded["b"][0]
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as z:
        assert sorted(z.namelist()) == ["a0.npy", "manifest.npy"]


def test_model_state_dict_round_trip(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Module())
            self.body[0].weight = nn.Parameter(al.randn(4, 3))
            self.body[0].register_buffer("steps", al.tensor(5))
            self.bias = nn.Parameter(al.randn(4, dtype=al.float64))

    src, dst = Net(), Net()
    al.save(src.state_dict(), tmp_path / "model.ckpt")
    loaded = al.load(tmp_path / "model.ckpt")
    assert isinstance(loaded, OrderedDict) and list(loaded) == ["bias", "body.0.weight", "body.0.steps"]
    assert dst.load_state_dict(loaded) == ([], [])
    for k, v in src.state_dict().items():
        np.testing.assert_array_equal(dst.state_dict()[k].numpy(), v.numpy())
        assert dst.state_dict()[k].dtype == v.dtype


def test_optimizer_state_dict_round_trip(tmp_path):
    state = {
        "state": {0: {"momentum_buffer": al.randn(3, 2), "step": al.tensor(4.0)}, 1: {"momentum_buffer": None}},
        "param_groups": [
            {
                "lr": 0.1,
                "momentum": 0.9,
                "betas": (0.9, 0.999),
                "nesterov": False,
                "weight_decay": 0,
                "params": [0, 1],
                "maximize": False,
                "foreach": None,
            },
            {"lr": 1e-3, "params": []},
        ],
    }
    loaded = _roundtrip(state, tmp_path)
    _assert_same(loaded, state)
    assert list(loaded["state"]) == [0, 1] and isinstance(loaded["param_groups"][0]["betas"], tuple)


def test_pathlike_str_and_file_objects(tmp_path):
    obj = {"w": al.ones(2)}
    al.save(obj, str(tmp_path / "a"))
    assert os.listdir(tmp_path) == ["a"]  # no suffix appended, no leftovers
    _assert_same(al.load(str(tmp_path / "a")), obj)
    buf = io.BytesIO()
    al.save(obj, buf)
    buf.seek(0)
    _assert_same(al.load(buf), obj)
    with open(tmp_path / "b", "wb") as f:
        al.save(obj, f)
    with open(tmp_path / "b", "rb") as f:
        _assert_same(al.load(f), obj)
    _assert_same(al.load(pathlib.Path(tmp_path / "b"), map_location="cpu"), obj)


def test_missing_directory_names_the_target(tmp_path):
    path = tmp_path / "no_such_dir" / "ckpt.pt"
    with pytest.raises(FileNotFoundError, match="no_such_dir") as info:
        al.save({"x": 1}, path)
    assert info.value.filename == str(path)


def test_saving_through_a_symlink_writes_the_target(tmp_path):
    real = tmp_path / "run1.pt"
    al.save({"v": 1}, real)
    link = tmp_path / "latest.pt"
    link.symlink_to(real)
    al.save({"v": 2}, link)
    assert link.is_symlink() and al.load(real) == {"v": 2}
    assert sorted(os.listdir(tmp_path)) == ["latest.pt", "run1.pt"]


def test_overwrite_and_permissions(tmp_path):
    path = tmp_path / "c.pt"
    al.save({"v": 1}, path)
    al.save({"v": 2}, path)
    assert al.load(path) == {"v": 2} and os.listdir(tmp_path) == ["c.pt"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0o600


_CHILD_SAVES_FOREVER = """
import sys
import numpy as np
import autograd_lite as al
state = {"w": al.tensor(np.ones((8 * 1024 * 1024,), dtype=np.float32)), "step": 0}
while True:
    state["step"] += 1
    al.save(state, sys.argv[1])
"""


def _temporaries(directory):
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:  # renamed or removed meanwhile
        return 0


def _kill_mid_save(path, repo):
    """Start a process saving a 32 MiB checkpoint to ``path`` in a loop; SIGKILL it while a temporary is being
    written (or after 10 s); True if it left a temporary behind."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD_SAVES_FOREVER, str(path)], cwd=repo)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(_size(path.parent / name) > 0 for name in _temporaries(path.parent)):
                break
            time.sleep(0.001)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    return bool(_temporaries(path.parent))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("cleanup", ["load", "save"])
def test_a_save_killed_midway_keeps_the_old_file_and_the_next_save_or_load_removes_its_temporary(tmp_path, cleanup):
    """Regression: each process killed during al.save left its temporary (16 MiB+) next to the checkpoint."""
    repo = pathlib.Path(__file__).resolve().parents[2]
    path = tmp_path / "ckpt.npz"
    al.save({"w": al.zeros(3), "step": 0}, path)
    left = [_kill_mid_save(path, repo) for _ in range(4)]
    assert any(left), "no kill happened during a save: the test did not test anything"
    if cleanup == "load":
        loaded = al.load(path)  # complete: the first checkpoint or one the child finished
        assert set(loaded) == {"w", "step"} and loaded["w"].shape in ((3,), (8 * 1024 * 1024,))
        assert (loaded["w"].numpy() == (0 if loaded["step"] == 0 else 1)).all()
    else:
        al.save({"step": -1}, path)
        assert al.load(path) == {"step": -1}
    assert _temporaries(tmp_path) == [] and os.listdir(tmp_path) == ["ckpt.npz"]


@pytest.mark.skipif(getattr(serialization, "fcntl", 0) is None, reason="the lock of a running save needs fcntl")
def test_cleanup_keeps_the_temporary_of_a_save_still_running(tmp_path):
    path = tmp_path / "ckpt.npz"
    al.save({"v": 1}, path)
    running = tmp_path / ".ckpt.npz.999999.0123456789ab.tmp"
    other = tmp_path / ".other.npz.1.0123456789ab.tmp"  # another checkpoint's: not this path's business
    other.write_bytes(b"partial")
    with open(running, "wb") as fh:
        serialization.fcntl.flock(fh.fileno(), serialization.fcntl.LOCK_EX)
        assert al.load(path) == {"v": 1}
        assert running.exists()
    assert al.load(path) == {"v": 1}
    assert not running.exists() and other.exists()


@pytest.mark.skipif(os.name != "posix", reason="pids are checked on POSIX only")
def test_without_file_locks_the_pid_in_the_name_decides(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "fcntl", None)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    path = tmp_path / "ckpt.npz"
    al.save({"v": 1}, path)
    dead = tmp_path / f".ckpt.npz.{finished.pid}.0123456789ab.tmp"
    alive = tmp_path / f".ckpt.npz.{os.getpid()}.0123456789ab.tmp"
    dead.write_bytes(b"partial")
    alive.write_bytes(b"partial")
    assert al.load(path) == {"v": 1}
    assert not dead.exists() and alive.exists()


def _refuse_creating_files(monkeypatch):
    real_open = os.open

    def fake_open(name, flags, *args):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", name)
        return real_open(name, flags, *args)

    monkeypatch.setattr(serialization.os, "open", fake_open)


def test_save_into_a_read_only_directory_names_the_target_and_the_directory(tmp_path, monkeypatch):
    """Regression: the PermissionError named only the hidden temporary file."""
    path = tmp_path / "ckpt.npz"
    _refuse_creating_files(monkeypatch)
    with pytest.raises(PermissionError) as info:
        al.save({"v": 1}, path)
    message = str(info.value)
    assert f"save: cannot write {str(path)!r}" in message and f"directory {str(tmp_path)!r}" in message
    assert ".tmp" not in message and info.value.filename == str(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="a read-only directory needs POSIX, not root")
def test_save_into_a_really_read_only_directory(tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match="save: cannot write .*ckpt.npz.*directory"):
            al.save({"v": 1}, directory / "ckpt.npz")
    finally:
        directory.chmod(0o755)


# ---- what save refuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, where",
    [
        ({"a": {"b": [1, object()]}}, "obj['a']['b'][1]"),
        ({"state": {0: {"buf": {1, 2}}}}, "obj['state'][0]['buf']"),
        ({"x": np.array([object()], dtype=object)}, "obj['x']"),
        ({"x": 1j}, "obj['x']"),
        ({(1, 2): 3}, "obj"),
        ({"f": lambda: 0}, "obj['f']"),
    ],
)
def test_unsupported_values_raise_type_error_naming_the_key_path(tmp_path, obj, where):
    path = tmp_path / "x.pt"
    al.save({"old": 1}, path)
    with pytest.raises(TypeError) as info:
        al.save(obj, path)
    assert where in str(info.value)
    assert al.load(path) == {"old": 1} and os.listdir(tmp_path) == ["x.pt"]


def test_reference_cycles_are_refused(tmp_path):
    d = {"a": 1}
    d["self"] = d
    with pytest.raises(ValueError, match="cycle"):
        al.save(d, tmp_path / "x")
    assert not os.listdir(tmp_path)


# ---- what load refuses, without executing anything -----------------------------------------------


class _Evil:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_evil_pickle_really_runs_code_when_unpickled(tmp_path):
    # control: the payload used below does create its marker when unpickled
    marker = tmp_path / "control"
    pickle.loads(pickle.dumps(_Evil(marker)))
    assert marker.exists()


def test_load_refuses_a_plain_pickle_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": _Evil(marker)}))
    with pytest.raises(CheckpointError, match="pickle") as info:
        al.load(path)
    assert str(path) in str(info.value) and info.value.path == str(path)
    assert not marker.exists()


def test_load_refuses_an_npz_with_a_pickled_object_array_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    # a valid manifest pointing at an object array written with allow_pickle
    al.save({"w": np.zeros(1)}, path)
    with np.load(path) as npz:
        manifest = npz["manifest"]
    with open(path, "wb") as f:
        np.savez(f, manifest=manifest, a0=np.array([_Evil(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="pickled") as info:
        al.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()


def test_load_refuses_a_pickled_manifest_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    with open(path, "wb") as f:
        np.savez(f, manifest=np.array([_Evil(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="manifest"):
        al.load(path)
    assert not marker.exists()


def test_load_refuses_a_torch_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"weight": torch.ones(2)}, path)
    with pytest.raises(CheckpointError, match="PyTorch") as info:
        al.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty"),
        (b"hello, this is a text file\n", "text file"),
        (bytes(np.random.default_rng(0).integers(0, 256, 300, dtype=np.uint8)), "not an autograd_lite checkpoint"),
        (b"PK\x03\x04" + bytes(200), "truncated or corrupted"),
    ],
)
def test_load_refuses_foreign_bytes(tmp_path, content, problem):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=problem) as info:
        al.load(path)
    assert str(path) in str(info.value)


def test_load_refuses_foreign_npz_and_npy(tmp_path):
    np.savez(tmp_path / "foreign.npz", x=np.ones(2))
    with pytest.raises(CheckpointError, match="without an autograd_lite manifest"):
        al.load(tmp_path / "foreign.npz")
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(CheckpointError, match=r"\.npy"):
        al.load(tmp_path / "single.npy")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(CheckpointError, match="zip archive"):
        al.load(tmp_path / "other.zip")


@pytest.mark.parametrize(
    "manifest, problem",
    [
        (b"not json", "not valid JSON"),
        (b'{"format": "something else", "version": 1, "root": 1}', "not an autograd_lite manifest"),
        (b'{"format": "autograd_lite.checkpoint", "version": 99, "root": 1}', "version 99"),
        (b'{"format": "autograd_lite.checkpoint", "version": 1, "root": {"t": "ndarray", "a": "a7"}}', "'a7'"),
        (b'{"format": "autograd_lite.checkpoint", "version": 1, "root": {"t": "exec", "v": 1}}', "'exec'"),
        (b'{"format": "autograd_lite.checkpoint", "version": 1, "root": {"t": "int", "v": "1"}}', "malformed"),
        (
            b'{"format": "autograd_lite.checkpoint", "version": 1, "root": {"t": "ndarray", "a": "a0", '
            b'"dtype": "<f8", "shape": [5]}}',
            "shape",
        ),
    ],
)
def test_load_refuses_bad_manifests(tmp_path, manifest, problem):
    path = tmp_path / "m.pt"
    with open(path, "wb") as f:
        np.savez(f, manifest=np.frombuffer(manifest, dtype=np.uint8), a0=np.ones(2))
    with pytest.raises(CheckpointError, match=problem):
        al.load(path)


def test_truncated_files_raise_checkpoint_errors(tmp_path):
    src = tmp_path / "full.pt"
    al.save({"w": al.randn(8, 8), "b": np.arange(5), "meta": {"lr": 0.1}}, src)
    data = src.read_bytes()
    cut = tmp_path / "cut.pt"
    for n in list(range(0, len(data), 37)) + [len(data) - 1]:
        cut.write_bytes(data[:n])
        with pytest.raises(CheckpointError) as info:
            al.load(cut)
        assert str(cut) in str(info.value)


def test_corrupted_bytes_never_give_anything_but_a_checkpoint_error_or_the_data(tmp_path):
    obj = {"w": al.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)), "n": 3}
    src = tmp_path / "full.pt"
    al.save(obj, src)
    data = src.read_bytes()
    bad = tmp_path / "bad.pt"
    errors = 0
    for i in range(0, len(data), 2):
        flipped = bytearray(data)
        flipped[i] ^= 0x5A
        bad.write_bytes(bytes(flipped))
        try:
            loaded = al.load(bad)
        except CheckpointError as err:
            assert str(bad) in str(err)
            errors += 1
        else:  # harmless bytes (timestamps, padding...): then the content is intact
            _assert_same(loaded, obj)
    assert errors > len(data) // 4


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.pt"
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        al.load(path)


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)


# ---- atomic writes -------------------------------------------------------------------------------


def test_failing_replace_keeps_the_old_checkpoint_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    al.save({"version": 1, "w": al.ones(3)}, path)
    calls = []

    def broken_replace(src, dst):
        calls.append((src, dst))
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        al.save({"version": 2, "w": al.zeros(3)}, path)
    monkeypatch.undo()
    ((src, dst),) = calls
    assert os.path.dirname(src) == os.path.realpath(tmp_path) and dst == os.path.realpath(path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    loaded = al.load(path)
    assert loaded["version"] == 1 and loaded["w"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("exc", [RuntimeError("crash mid-write"), KeyboardInterrupt()])
def test_crash_while_writing_keeps_the_old_checkpoint(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.pt"
    al.save({"version": 1}, path)
    real_write = serialization._write

    def crashing_write(fh, arrays, manifest):
        fh.write(b"PK\x03\x04 half a zip file")
        raise exc

    monkeypatch.setattr(serialization, "_write", crashing_write)
    with pytest.raises(type(exc)):
        al.save({"version": 2}, path)
    monkeypatch.setattr(serialization, "_write", real_write)
    assert os.listdir(tmp_path) == ["ckpt.pt"] and al.load(path) == {"version": 1}


def test_data_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(serialization.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(serialization.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    al.save({"x": 1}, tmp_path / "f.pt")
    monkeypatch.undo()
    assert events[:2] == ["fsync", "replace"]
    assert al.load(tmp_path / "f.pt") == {"x": 1}
