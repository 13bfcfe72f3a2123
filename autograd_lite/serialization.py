"""``save`` / ``load``: checkpoints (state dicts) without pickle.

A checkpoint is a numpy ``.npz`` archive (whatever the file name): the arrays are stored as ``a0.npy``,
``a1.npy``... and ``manifest.npy`` holds a JSON document (UTF-8 bytes in a uint8 array) describing the
structure and the type of every value. ``load`` reads it with ``np.load(..., allow_pickle=False)``, so
loading a file never runs code from it.

What can be saved, nested to any depth:

* ``dict`` and ``OrderedDict`` (order kept, restored as the same type) with ``str`` or ``int`` keys;
* ``list`` and ``tuple`` (restored as such);
* ``Tensor`` (and ``nn.Parameter``): restored as a plain, detached ``autograd_lite.Tensor`` with the same
  dtype and shape (``requires_grad`` is not kept). A tensor that appears several times (tied weights) is
  stored once and restored as one Tensor object;
* numpy arrays (restored as numpy arrays) and numpy scalars (restored as numpy scalars), any non-object
  dtype;
* ``int``, ``float`` (including nan/inf), ``bool``, ``None``, ``str`` and numpy dtypes.

That covers ``model.state_dict()`` and an optimizer's ``state_dict()`` (``{'state': {0: {...}},
'param_groups': [{'lr': 0.1, 'betas': (0.9, 0.999), 'params': [0, 1]}]}``).

``save`` writes atomically: to a temporary file ``.<name>.<pid>.<random>.tmp`` in the target's directory,
flushed and fsync'ed, then ``os.replace``'d onto the target, so a crash or an error during ``save`` never
destroys the previous checkpoint. An error removes the temporary; a process killed mid-save leaves it, and
the next ``save`` or ``load`` of the same path deletes it (a temporary still locked by a running save is
kept). ``load`` raises ``CheckpointError`` (a ValueError) naming
the file for anything that is not a complete autograd_lite checkpoint (truncated or corrupted file,
pickle, PyTorch ``.pt`` file, foreign ``.npz``...). Both also accept a binary file object instead of a
path (then the write is not atomic).
"""

import errno
import io
import json
import os
import re
import uuid
import zipfile
from collections import OrderedDict

import numpy as np

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

_FORMAT = "autograd_lite.checkpoint"
_VERSION = 1
_MANIFEST = "manifest"
_SCALARS = (bool, int, float, str, type(None))


def state_array(value, where):
    """A state-dict value as a numpy array: Tensors, arrays, numbers and torch tensors (duck-typed, so torch is
    never imported); ``where`` names the value in the TypeError raised for anything else."""
    if isinstance(value, Tensor):
        return value._array
    if isinstance(value, (np.ndarray, np.generic, int, float, bool)):
        return np.asarray(value)
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    raise TypeError(
        f"{where} is a {type(value).__name__}; expected a Tensor, a numpy array, a number or a torch tensor"
    )


class CheckpointError(ValueError):
    """A file that ``load`` cannot read as an autograd_lite checkpoint; ``.path`` names it."""

    def __init__(self, path, problem):
        self.path = path
        super().__init__(f"cannot load checkpoint {path!r}: {problem}")


# ---- encoding ------------------------------------------------------------------------------------------


def _path_str(path):
    return "obj" + "".join(f"[{k!r}]" for k in path)


class _Encoder:
    def __init__(self):
        self.arrays = {}
        self.memo = {}  # id(tensor or array) -> array name, so shared values are stored once
        self.keep = []  # keeps memo'ed objects alive while encoding (ids stay unique)
        self.active = set()  # ids of the containers being encoded, to refuse cycles

    def array(self, obj, array, path):
        if array.dtype.hasobject:
            raise TypeError(
                f"save: the array at {_path_str(path)} has dtype {array.dtype}; object arrays "
                "cannot be saved (they would need pickle)"
            )
        name = self.memo.get(id(obj))
        if name is None:
            name = f"a{len(self.arrays)}"
            self.arrays[name] = array
            self.memo[id(obj)] = name
            self.keep.append(obj)
        return name

    def encode(self, obj, path):
        if isinstance(obj, np.generic):  # before the Python types: np.float64 is a float, np.str_ a str
            name = self.array(obj, np.asarray(obj), path)
            return {"t": "npscalar", "a": name, "dtype": obj.dtype.str, "shape": []}
        if isinstance(obj, bool) or obj is None or isinstance(obj, str):
            return {"t": "bool" if isinstance(obj, bool) else "none" if obj is None else "str", "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, float):
            return {"t": "float", "v": float(obj)}
        if isinstance(obj, Tensor):
            name = self.array(obj, obj._array, path)
            return {"t": "tensor", "a": name, "dtype": obj._array.dtype.str, "shape": list(obj._array.shape)}
        if isinstance(obj, np.ndarray):
            name = self.array(obj, obj, path)
            return {"t": "ndarray", "a": name, "dtype": obj.dtype.str, "shape": list(obj.shape)}
        if isinstance(obj, np.dtype):
            if obj.hasobject:
                raise TypeError(f"save: the dtype at {_path_str(path)} is an object dtype")
            return {"t": "dtype", "v": obj.str}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError(f"save: {_path_str(path)} contains itself (a reference cycle)")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    return self.encode_dict(obj, path)
                kind = "list" if isinstance(obj, list) else "tuple"
                return {"t": kind, "items": [self.encode(v, path + [i]) for i, v in enumerate(obj)]}
            finally:
                self.active.discard(id(obj))
        raise TypeError(
            f"save: cannot save the {type(obj).__module__}.{type(obj).__qualname__} at "
            f"{_path_str(path)}; supported values are Tensors, numpy arrays and scalars, int, "
            "float, bool, None, str, and dicts/lists/tuples of them"
        )

    def encode_dict(self, obj, path):
        keys, values = [], []
        for k, v in obj.items():
            if isinstance(k, str):
                keys.append(["s", k])
            elif isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
                keys.append(["i", int(k)])
            else:
                raise TypeError(
                    f"save: the dict at {_path_str(path)} has a key {k!r} of type "
                    f"{type(k).__name__}; only str and int keys can be saved"
                )
            values.append(self.encode(v, path + [k]))
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {"t": kind, "keys": keys, "values": values}


def _write(fh, arrays, manifest):
    data = json.dumps(manifest, allow_nan=True, separators=(",", ":")).encode("utf-8")
    np.savez(fh, allow_pickle=False, **{_MANIFEST: np.frombuffer(data, dtype=np.uint8)}, **arrays)


def _split_target(path):
    """The real path a checkpoint path resolves to (through symlinks, as open() would), split in (dir, name)."""
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path, os.path.split(os.path.realpath(path))


def _temporary_pattern(base):
    """Names of the temporaries of a save of ``base``: ``.<base>.<pid>.<12 hex digits>.tmp`` next to it."""
    return re.compile(re.escape(f".{base}.") + r"[0-9]+\.[0-9a-f]{12}\.tmp")


def _lock(fd, blocking):
    """Lock the temporary ``fd`` is open on: True if locked, False if another process holds it, None where
    there are no locks (no fcntl, or a file system without them)."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def _writer_gone(name):
    """Without locks: True if the process whose pid the temporary's name holds no longer runs (POSIX)."""
    if os.name != "posix":
        return True  # Windows: deleting a file still open for writing fails, which keeps it
    try:
        os.kill(int(name.split(".")[-3]), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError, OverflowError):
        return False
    return False


def remove_stale_temporaries(directory, base):
    """Delete the temporaries that killed saves of ``directory/base`` left behind.

    A save holds an exclusive lock on its temporary until it is renamed, and the system releases it when the
    process dies, so a temporary that can be locked belongs to no running save. Where there are no locks, the
    pid in the name decides (on Windows a temporary still being written cannot be deleted anyway). Errors are
    ignored: cleaning up never fails a save or load.
    """
    pattern = _temporary_pattern(base)
    try:
        names = [entry.name for entry in os.scandir(directory) if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        tmp = os.path.join(directory, name)
        try:
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            continue
        try:
            locked = _lock(fd, blocking=False)
            if locked or (locked is None and _writer_gone(name)):
                os.unlink(tmp)
        except OSError:
            pass
        finally:
            os.close(fd)


def _create_temporary(path, directory, base):
    """Create and lock the temporary a save of ``path`` writes first; its name and fd."""
    while True:
        tmp = os.path.join(directory, f".{base}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT, f"save: cannot write {path!r}: its directory {directory!r} does not exist", path
            ) from None
        except OSError as err:
            raise type(err)(
                err.errno,
                f"save: cannot write {path!r}: cannot create a file in its directory "
                f"{directory!r} ({err.strerror}); the checkpoint is written to a temporary file "
                "there, then renamed onto the target",
                path,
            ) from None
        _lock(fd, blocking=True)
        try:  # a concurrent cleanup may have deleted it between creation and lock: then take another name
            if os.path.samestat(os.fstat(fd), os.stat(tmp)):
                return tmp, fd
        except OSError:
            pass
        os.close(fd)


def save(obj, f):
    """Save ``obj`` (e.g. a state_dict) to the path or binary file object ``f`` (see the module doc).

    Unsupported values raise TypeError naming where they are (``obj['state'][0]['buf']``) before
    anything is written. A path is written atomically and used as given (no suffix is added).
    """
    encoder = _Encoder()
    manifest = {"format": _FORMAT, "version": _VERSION, "root": encoder.encode(obj, [])}
    arrays = encoder.arrays
    if hasattr(f, "write"):
        _write(f, arrays, manifest)
        return
    path, (directory, base) = _split_target(f)
    remove_stale_temporaries(directory, base)
    tmp, fd = _create_temporary(path, directory, base)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write(fh, arrays, manifest)
            fh.flush()
            os.fsync(fh.fileno())
            if fcntl is not None:  # renamed while locked, so a cleanup cannot take it first
                os.replace(tmp, os.path.join(directory, base))
        if fcntl is None:  # Windows renames only closed files (and nothing deletes an open one)
            os.replace(tmp, os.path.join(directory, base))
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError) and err.filename == tmp:
            raise type(err)(
                err.errno,
                f"save: writing {path!r} failed ({err.strerror}); the previous file, if any, is unchanged",
                path,
            ) from None
        raise
    _sync_directory(directory)


def _sync_directory(directory):
    """Make a rename in ``directory`` durable (POSIX); not possible everywhere."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


# ---- decoding ------------------------------------------------------------------------------------------


def _describe(head):
    """A guess at what a file that is not a zip archive is, from its first bytes."""
    if not head:
        return "the file is empty"
    if head[:1] == b"\x80":
        return "it is a pickle file, which autograd_lite never loads (unpickling can run arbitrary code)"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single .npy array, not an autograd_lite checkpoint (use numpy.load)"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ")):
        return "it is a compressed file, not an autograd_lite checkpoint"
    try:
        head.decode("utf-8")
        return "it is a text file, not an autograd_lite checkpoint"
    except UnicodeDecodeError:
        return "it is not an autograd_lite checkpoint (not a zip/.npz archive)"


class _Decoder:
    def __init__(self, name, npz):
        self.name, self.npz, self.memo = name, npz, {}
        self.files = set(npz.files)

    def fail(self, problem):
        raise CheckpointError(self.name, problem)

    def array(self, node):
        name = node.get("a")
        if name in self.memo:
            return self.memo[name]
        if not isinstance(name, str) or name == _MANIFEST or name not in self.files:
            self.fail(f"the manifest refers to an array {name!r} that the archive does not contain")
        try:
            array = self.npz[name]
        except ValueError as err:
            if "pickle" in str(err) or "Object arrays" in str(err):
                self.fail(
                    f"the array {name!r} holds pickled (object) data, which autograd_lite never writes "
                    "and refuses to unpickle"
                )
            self.fail(f"the array {name!r} is corrupted ({err})")
        if array.dtype.str != node.get("dtype") or list(array.shape) != node.get("shape"):
            self.fail(
                f"the array {name!r} has dtype {array.dtype.str} and shape {list(array.shape)} but the "
                f"manifest says {node.get('dtype')} and {node.get('shape')}"
            )
        self.memo[name] = array
        return array

    def decode(self, node):
        if not isinstance(node, dict):
            self.fail(f"malformed manifest entry {node!r}")
        kind = node.get("t")
        if kind in ("bool", "int", "float", "str", "none"):
            value = node.get("v")
            expected = {"bool": bool, "int": int, "float": (float, int), "str": str, "none": type(None)}[kind]
            if not isinstance(value, expected) or (kind == "int" and isinstance(value, bool)):
                self.fail(f"malformed manifest entry {node!r}")
            return float(value) if kind == "float" else value
        if kind == "tensor":
            key = ("tensor", node.get("a"))
            if key not in self.memo:
                self.memo[key] = Tensor._wrap(self.array(node))
            return self.memo[key]
        if kind == "ndarray":
            return self.array(node)
        if kind == "npscalar":
            return self.array(node)[()]
        if kind == "dtype":
            try:
                dtype = np.dtype(node.get("v"))
            except TypeError:
                self.fail(f"malformed manifest entry {node!r}")
            if dtype.hasobject:
                self.fail("the manifest holds an object dtype")
            return dtype
        if kind in ("list", "tuple"):
            items = node.get("items")
            if not isinstance(items, list):
                self.fail(f"malformed manifest entry for a {kind}")
            values = [self.decode(v) for v in items]
            return values if kind == "list" else tuple(values)
        if kind in ("dict", "odict"):
            keys, values = node.get("keys"), node.get("values")
            if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
                self.fail("malformed manifest entry for a dict")
            result = OrderedDict() if kind == "odict" else {}
            for key, value in zip(keys, values):
                if not isinstance(key, list) or len(key) != 2 or (key[0], type(key[1])) not in (("s", str), ("i", int)):
                    self.fail(f"malformed dict key {key!r} in the manifest")
                result[key[1]] = self.decode(value)
            return result
        self.fail(f"unknown value type {kind!r} in the manifest")


def _read(name, fh):
    head = fh.read(64)
    fh.seek(0)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise CheckpointError(name, _describe(head))
    try:
        with np.load(fh, allow_pickle=False) as npz:
            files = set(npz.files)
            if _MANIFEST not in files:
                if any(f.endswith("data.pkl") or f.endswith("/version") for f in files):
                    problem = (
                        "it is a PyTorch checkpoint (written by torch.save); load it with torch.load and "
                        "pass the tensors to load_state_dict, which accepts torch tensors"
                    )
                elif any(f.endswith(".npy") or "." not in f for f in npz.files):
                    problem = "it is a .npz archive without an autograd_lite manifest (not written by al.save)"
                else:
                    problem = "it is a zip archive, not an autograd_lite checkpoint"
                raise CheckpointError(name, problem)
            try:
                raw = npz[_MANIFEST]
            except ValueError as err:
                raise CheckpointError(name, f"its manifest is unreadable ({err})") from None
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise CheckpointError(name, "its manifest is not a uint8 byte array")
            try:
                manifest = json.loads(raw.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as err:
                raise CheckpointError(name, f"its manifest is not valid JSON ({err})") from None
            if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
                raise CheckpointError(name, "its manifest is not an autograd_lite manifest")
            if manifest.get("version") != _VERSION:
                raise CheckpointError(
                    name,
                    f"it has format version {manifest.get('version')!r}; this autograd_lite reads version {_VERSION}",
                )
            if "root" not in manifest:
                raise CheckpointError(name, "its manifest has no root entry")
            return _Decoder(name, npz).decode(manifest["root"])
    except CheckpointError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        KeyError,
        OSError,
        NotImplementedError,
        RecursionError,
    ) as err:
        detail = str(err) or type(err).__name__
        raise CheckpointError(name, f"the file is truncated or corrupted ({detail})") from None


def load(f, map_location=None):
    """Load what ``save`` wrote, from a path or a binary file object (see the module doc for the types).

    ``map_location`` is accepted for PyTorch compatibility; only None and ``'cpu'`` are meaningful.
    A missing file raises FileNotFoundError; anything that is not a complete autograd_lite checkpoint
    raises ``CheckpointError`` naming the file and saying what is wrong. Nothing is ever unpickled.
    """
    if map_location not in (None, "cpu"):
        raise ValueError(f"load: autograd_lite runs on the CPU only, got map_location={map_location!r}")
    if hasattr(f, "read"):
        name = getattr(f, "name", None)
        name = name if isinstance(name, str) else f"<{type(f).__name__}>"
        fh = f if hasattr(f, "seek") and getattr(f, "seekable", lambda: True)() else io.BytesIO(f.read())
        return _read(name, fh)
    path, (directory, base) = _split_target(f)
    remove_stale_temporaries(directory, base)
    with open(path, "rb") as fh:
        return _read(path, fh)
