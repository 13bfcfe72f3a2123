"""autograd_lite.datasets: MNIST from IDX files (plain, gzip'ed, torchvision's MNIST/raw) and from an npz,
its checks and error messages, the mirror download (against a local HTTP server), the book split, the
scikit-learn digits and a DataLoader over them. Every fixture is small and written into tmp_path."""

import gzip
import hashlib
import http.server
import os
import socket
import threading

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.datasets import MIRRORS, MNIST, DatasetError, Digits, DownloadError, book_split, default_root
from autograd_lite.datasets import download
from autograd_lite.utils.data import DataLoader, StackedSamples, Subset

TRAIN_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
ALL_FILES = TRAIN_FILES + TEST_FILES


# ----------------------------------------------------------------------------------------------- fixtures


def fake_mnist(n, h=28, w=28, seed=0):
    """n random uint8 images (n, h, w) and int64 labels 0..9."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, h, w), dtype=np.uint8), rng.integers(0, 10, n).astype(np.int64)


def idx_images(images, magic=2051):
    return np.array([magic, *images.shape], dtype=">i4").tobytes() + images.astype(np.uint8).tobytes()


def idx_labels(labels, magic=2049):
    return np.array([magic, len(labels)], dtype=">i4").tobytes() + labels.astype(np.uint8).tobytes()


def idx_payloads(train, test):
    """The four IDX files' bytes, keyed by file name."""
    return {
        TRAIN_FILES[0]: idx_images(train[0]),
        TRAIN_FILES[1]: idx_labels(train[1]),
        TEST_FILES[0]: idx_images(test[0]),
        TEST_FILES[1]: idx_labels(test[1]),
    }


def write_files(directory, payloads, gz=False):
    os.makedirs(directory, exist_ok=True)
    for name, data in payloads.items():
        path = os.path.join(directory, name + (".gz" if gz else ""))
        with open(path, "wb") as f:
            f.write(gzip.compress(data, mtime=0) if gz else data)


@pytest.fixture
def arrays():
    return fake_mnist(30, seed=1), fake_mnist(12, seed=2)


@pytest.fixture
def idx_root(tmp_path, arrays):
    write_files(tmp_path, idx_payloads(*arrays))
    return tmp_path


@pytest.fixture
def npz_path(tmp_path, arrays):
    (xtr, ytr), (xte, yte) = arrays
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, x_train=xtr, y_train=ytr.astype(np.uint8), x_test=xte, y_test=yte.astype(np.uint8))
    return path


# ------------------------------------------------------------------------------------------------ reading


@pytest.mark.parametrize("layout", ["plain", "gz", "raw"])
def test_reads_idx_files_plain_gzipped_and_in_torchvision_raw_dir(tmp_path, arrays, layout):
    directory = tmp_path / "MNIST" / "raw" if layout == "raw" else tmp_path
    write_files(directory, idx_payloads(*arrays), gz=layout != "plain")
    for train, (images, labels) in zip((True, False), arrays):
        ds = MNIST(tmp_path, train=train)
        assert ds.train is train and len(ds) == len(labels)
        assert ds.data.dtype == np.uint8 and ds.data.shape == images.shape
        assert ds.targets.dtype == np.int64
        np.testing.assert_array_equal(ds.data, images)
        np.testing.assert_array_equal(ds.targets, labels)


def test_reads_npz(npz_path, arrays):
    for train, (images, labels) in zip((True, False), arrays):
        ds = MNIST(npz_path, train=train)
        np.testing.assert_array_equal(ds.data, images)
        np.testing.assert_array_equal(ds.targets, labels)
        assert ds.targets.dtype == np.int64 and len(ds.classes) == 10


def test_sample_is_float32_tensor_in_unit_range_and_int_label(idx_root, arrays):
    (images, labels), _ = arrays
    ds = MNIST(idx_root)
    x, y = ds[3]
    assert isinstance(x, al.Tensor) and x.shape == (1, 28, 28) and x.dtype == al.float32
    assert type(y) is int and y == labels[3]
    np.testing.assert_allclose(x.numpy()[0], images[3] / 255.0, rtol=1e-6)
    assert 0.0 <= x.numpy().min() and x.numpy().max() <= 1.0
    assert ds[-1][1] == labels[-1]


def test_normalize_uses_mnist_mean_and_std(idx_root, arrays):
    (images, _), _ = arrays
    x, _ = MNIST(idx_root, normalize=True)[0]
    np.testing.assert_allclose(x.numpy()[0], (images[0] / 255.0 - 0.1307) / 0.3081, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("indices", [np.array([4, 0, 29, 4, -1], dtype=np.int64), [2, 7, 1], np.arange(0)])
def test_getitems_equals_stacked_getitem(idx_root, indices):
    ds = MNIST(idx_root)
    batch = ds.__getitems__(indices)
    assert isinstance(batch, StackedSamples)
    images, labels = batch.columns
    assert images.dtype == np.float32 and images.shape == (len(indices), 1, 28, 28)
    assert labels.dtype == np.int64 and labels.shape == (len(indices),)
    for k, i in enumerate(np.asarray(indices).tolist()):
        x, y = ds[i]
        np.testing.assert_array_equal(images[k], x.numpy())
        assert labels[k] == y


def test_transforms_get_whole_batches(idx_root, arrays):
    (images, labels), _ = arrays
    seen = []

    def transform(batch):
        seen.append((batch.shape, batch.dtype))
        return 1.0 - batch

    ds = MNIST(idx_root, transform=transform, target_transform=lambda t: t + 100)
    x, y = ds[5]
    assert seen[-1] == ((1, 1, 28, 28), np.float32)
    np.testing.assert_allclose(x.numpy()[0], 1.0 - images[5] / 255.0, rtol=1e-6, atol=1e-7)
    assert y == labels[5] + 100 and type(y) is int
    xs, ys = ds.__getitems__([0, 1, 2]).columns
    assert seen[-1] == ((3, 1, 28, 28), np.float32)
    np.testing.assert_array_equal(ys, labels[:3] + 100)


def test_transform_changing_the_batch_size_is_refused(idx_root):
    with pytest.raises(ValueError, match="transform must return an array whose first dim is the batch size 2"):
        MNIST(idx_root, transform=lambda b: b[:1]).__getitems__([0, 1])


@pytest.mark.parametrize("index", [30, -31])
def test_out_of_range_index_names_dataset_and_index(idx_root, index):
    ds = MNIST(idx_root)
    with pytest.raises(IndexError, match=f"MNIST: index {index} is out of range"):
        ds[index]
    with pytest.raises(IndexError, match=f"MNIST: index {index} is out of range"):
        ds.__getitems__(np.array([0, index]))


def test_default_root_follows_environment(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", "/some/where")
    assert default_root() == "/some/where"
    monkeypatch.delenv("AUTOGRAD_LITE_DATA")
    assert default_root() == os.path.join(os.path.expanduser("~"), ".cache", "autograd_lite", "mnist")


def test_root_none_reads_default_root(monkeypatch, idx_root, arrays):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(idx_root))
    np.testing.assert_array_equal(MNIST(train=False).targets, arrays[1][1])


# ----------------------------------------------------------------------------------------- damaged files


def damage(root, name, data, gz=False):
    """Replace the file ``name`` in ``root`` with ``data`` (gzip'ed when gz) and return its path."""
    for suffix in ("", ".gz"):
        if os.path.exists(os.path.join(root, name + suffix)):
            os.remove(os.path.join(root, name + suffix))
    path = os.path.join(root, name + (".gz" if gz else ""))
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if gz else data)
    return path


def test_bad_magic_number_names_file(idx_root, arrays):
    path = damage(idx_root, TRAIN_FILES[0], idx_images(arrays[0][0], magic=1234))
    with pytest.raises(
        DatasetError,
        match=r"bad magic number 1234 in .*train-images-idx3-ubyte \(expected 2051 "
        r"for images\)",
    ) as info:
        MNIST(idx_root)
    assert path in str(info.value)


def test_labels_file_with_images_magic(idx_root, arrays):
    damage(idx_root, TEST_FILES[1], idx_images(arrays[1][0]))
    with pytest.raises(DatasetError, match=r"bad magic number 2051 in .*t10k-labels-idx1-ubyte \(expected 2049"):
        MNIST(idx_root, train=False)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_images_file(idx_root, arrays, gz):
    data = idx_images(arrays[0][0])[:1000]
    path = damage(idx_root, TRAIN_FILES[0], data, gz=gz)
    with pytest.raises(DatasetError, match="truncated: header says 30 images of 28x28 = 23,536 bytes, .* has 1,000"):
        MNIST(idx_root)
    assert isinstance(DatasetError("x"), ValueError) and path.endswith(".gz") == gz


def test_trailing_bytes_and_short_header(idx_root, arrays):
    damage(idx_root, TRAIN_FILES[1], idx_labels(arrays[0][1]) + b"xx")
    with pytest.raises(DatasetError, match="too long: header says 30 labels = 38 bytes, .*train-labels.* has 40"):
        MNIST(idx_root)
    damage(idx_root, TRAIN_FILES[1], b"\x00\x00")
    with pytest.raises(DatasetError, match="truncated: .*train-labels-idx1-ubyte has 2 bytes"):
        MNIST(idx_root)


def test_count_mismatch_names_both_files(idx_root, arrays):
    damage(idx_root, TRAIN_FILES[1], idx_labels(arrays[0][1][:29]))
    with pytest.raises(
        DatasetError,
        match="count mismatch: .*train-images-idx3-ubyte holds 30 images but .*train-labels-idx1-ubyte holds 29 labels",
    ):
        MNIST(idx_root)


def test_label_out_of_range(idx_root, arrays):
    labels = arrays[0][1].copy()
    labels[7] = 12
    damage(idx_root, TRAIN_FILES[1], idx_labels(labels))
    with pytest.raises(DatasetError, match="label 12 at index 7 in .*train-labels-idx1-ubyte is not a digit"):
        MNIST(idx_root)


@pytest.mark.parametrize("how", ["cut", "flipped", "not-gzip"])
def test_damaged_gzip_stream_names_file(tmp_path, arrays, how):
    write_files(tmp_path, idx_payloads(*arrays), gz=True)
    path = os.path.join(tmp_path, TRAIN_FILES[0] + ".gz")
    with open(path, "rb") as f:
        data = f.read()
    if how == "cut":
        data = data[: len(data) // 2]
    elif how == "flipped":
        data = data[:40] + bytes(b ^ 0xFF for b in data[40:80]) + data[80:]
    else:
        data = idx_images(arrays[0][0])
    with open(path, "wb") as f:
        f.write(data)
    match = "is not a gzip file" if how == "not-gzip" else "damaged gzip stream in"
    with pytest.raises(DatasetError, match=match) as info:
        MNIST(tmp_path)
    assert path in str(info.value)


def test_missing_files_say_what_to_do(tmp_path, arrays):
    write_files(tmp_path, {TRAIN_FILES[1]: idx_labels(arrays[0][1])})
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message and "train-labels" not in message
    assert str(tmp_path) in message and "download=True" in message and "mnist.npz" in message
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.*t10k-labels-idx1-ubyte"):
        MNIST(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match="no such file .*nothere.npz"):
        MNIST(tmp_path / "nothere.npz")


def bad_npz(path, arrays, how):
    (xtr, ytr), (xte, yte) = arrays
    if how == "not-a-zip":
        path.write_bytes(b"this is not an npz archive at all")
    elif how == "cut-zip":
        np.savez(path, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
        path.write_bytes(path.read_bytes()[:5000])
    elif how == "missing-key":
        np.savez(path, x_train=xtr, x_test=xte, y_test=yte)
    elif how == "float-images":
        np.savez(path, x_train=xtr.astype(np.float32), y_train=ytr, x_test=xte, y_test=yte)
    elif how == "flat-images":
        np.savez(path, x_train=xtr.reshape(30, -1), y_train=ytr, x_test=xte, y_test=yte)
    elif how == "float-labels":
        np.savez(path, x_train=xtr, y_train=ytr.astype(np.float64), x_test=xte, y_test=yte)
    elif how == "count-mismatch":
        np.savez(path, x_train=xtr, y_train=ytr[:5], x_test=xte, y_test=yte)
    elif how == "npy":
        np.save(path.with_suffix(".npy"), xtr)
        os.replace(path.with_suffix(".npy"), path)


@pytest.mark.parametrize(
    "how, match",
    [
        ("not-a-zip", "is not a readable npz archive"),
        ("cut-zip", "is not a readable npz archive"),
        ("missing-key", "has no y_train"),
        ("float-images", "x_train .* has dtype float32 and shape .*expected uint8"),
        ("flat-images", r"x_train .* shape \(30, 784\), expected uint8 of shape \(N, H, W\)"),
        ("float-labels", "y_train .* has dtype float64"),
        ("count-mismatch", "count mismatch in .*: x_train holds 30 images but y_train 5 labels"),
        ("npy", "is a single .npy array, not an npz archive"),
    ],
)
def test_bad_npz_is_a_clear_error_naming_the_file(tmp_path, arrays, how, match):
    path = tmp_path / "mnist.npz"
    bad_npz(path, arrays, how)
    with pytest.raises(DatasetError, match=match) as info:
        MNIST(path, train=True)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------------------------- download


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files`` under /good/ and, damaged, under /bad/ (altered bytes), /cut/ (connection
    closed before the announced Content-Length); anything else is a 404."""

    def do_GET(self):
        self.server.hits.append(self.path)
        mode, _, name = self.path.strip("/").partition("/")
        body = self.server.files.get(name)
        if body is None or mode not in ("good", "bad", "cut"):
            self.send_error(404)
            return
        if mode == "bad":
            body = body[:-1] + bytes([body[-1] ^ 1])
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + (1000 if mode == "cut" else 0)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "cut" else body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch, arrays):
    """A local HTTP server holding the four gzip'ed fixture files, whose MD5s replace the published ones."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files = {name + ".gz": gzip.compress(data, mtime=0) for name, data in idx_payloads(*arrays).items()}
    httpd.hits = []
    for name, body in httpd.files.items():
        monkeypatch.setitem(download.MD5, name, hashlib.md5(body).hexdigest())
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_mirrors_are_the_published_ones():
    assert MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/" and len(MIRRORS) == 3
    assert download.MD5["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"


def test_download_good_file(tmp_path, server, capsys):
    name = "train-labels-idx1-ubyte.gz"
    path = download.download_file(name, tmp_path, mirrors=[server.url + "/good/"])
    assert open(path, "rb").read() == server.files[name]
    assert os.listdir(tmp_path) == [name]
    assert f"downloaded {name}" in capsys.readouterr().err


def test_bad_checksum_then_good_mirror(tmp_path, server):
    name = "t10k-images-idx3-ubyte.gz"
    path = download.download_file(name, tmp_path, mirrors=[server.url + "/bad", server.url + "/good"])
    assert open(path, "rb").read() == server.files[name]
    assert server.hits == ["/bad/" + name, "/good/" + name]
    assert os.listdir(tmp_path) == [name]


def test_all_mirrors_failing_names_file_and_mirrors_and_leaves_nothing(tmp_path, server):
    name = "train-images-idx3-ubyte.gz"
    mirrors = [server.url + "/cut/", server.url + "/bad/", server.url + "/missing/"]
    with pytest.raises(DownloadError) as info:
        download.download_file(name, tmp_path, mirrors=mirrors)
    message = str(info.value)
    assert name in message and str(tmp_path) in message
    for mirror in mirrors:
        assert mirror + name in message
    assert "short transfer" in message and "checksum mismatch" in message and "HTTP error 404" in message
    assert isinstance(info.value, OSError)
    assert os.listdir(tmp_path) == []


def test_unreachable_mirror_then_good(tmp_path, server):
    name = "t10k-labels-idx1-ubyte.gz"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    path = download.download_file(
        name, tmp_path, mirrors=[f"http://127.0.0.1:{closed_port}/", server.url + "/good/"], timeout=5
    )
    assert open(path, "rb").read() == server.files[name]


def test_mnist_download_fetches_missing_files_once(tmp_path, server, monkeypatch, arrays):
    monkeypatch.setattr(download, "MIRRORS", [server.url + "/bad/", server.url + "/good/"])
    ds = MNIST(tmp_path / "cache", download=True)
    np.testing.assert_array_equal(ds.data, arrays[0][0])
    assert sorted(os.listdir(tmp_path / "cache")) == sorted(n + ".gz" for n in ALL_FILES)
    hits = len(server.hits)
    np.testing.assert_array_equal(MNIST(tmp_path / "cache", train=False, download=True).targets, arrays[1][1])
    assert len(server.hits) == hits


def test_mnist_download_failure_leaves_no_file(tmp_path, server, monkeypatch):
    monkeypatch.setattr(download, "MIRRORS", [server.url + "/cut/"])
    with pytest.raises(DownloadError, match="train-images-idx3-ubyte.gz"):
        MNIST(tmp_path, download=True)
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------- book split


@pytest.fixture(scope="module")
def tiny_12000(tmp_path_factory):
    """12,000 samples of 2x2 images, as an npz (only the train set matters)."""
    path = tmp_path_factory.mktemp("tiny") / "mnist.npz"
    (x, y), (xt, yt) = fake_mnist(12_000, 2, 2, seed=3), fake_mnist(5, 2, 2, seed=4)
    np.savez(path, x_train=x, y_train=y, x_test=xt, y_test=yt)
    return path


def test_book_split_keeps_last_10000_for_validation(tiny_12000):
    ds = MNIST(tiny_12000)
    train, val = book_split(ds)
    assert isinstance(train, Subset) and (len(train), len(val)) == (2_000, 10_000)
    np.testing.assert_array_equal(train.indices, np.arange(2_000))
    np.testing.assert_array_equal(val.indices, np.arange(2_000, 12_000))
    assert val[0][1] == ds.targets[2_000]
    again = book_split(ds)
    np.testing.assert_array_equal(again[1].indices, val.indices)


@pytest.mark.parametrize("validation_size", [1, 7, 29])
def test_book_split_sizes_and_disjointness(idx_root, validation_size):
    ds = MNIST(idx_root)
    for generator in (None, al.Generator().manual_seed(0)):
        train, val = book_split(ds, validation_size=validation_size, generator=generator)
        assert (len(train), len(val)) == (30 - validation_size, validation_size)
        assert set(train.indices).isdisjoint(val.indices)
        assert sorted([*train.indices, *val.indices]) == list(range(30))


def test_book_split_needs_more_samples_than_validation(idx_root):
    with pytest.raises(ValueError, match="book_split: needs more than 10,000 samples .* the dataset has 30"):
        book_split(MNIST(idx_root))


def test_book_splits_by_name(tiny_12000):
    full = MNIST(tiny_12000)
    book_train = MNIST(tiny_12000, split="book-train")
    book_val = MNIST(tiny_12000, split="book-validation")
    assert (len(book_train), len(book_val)) == (2_000, 10_000) and book_val.train
    np.testing.assert_array_equal(book_val.targets, full.targets[2_000:])
    assert len(MNIST(tiny_12000, split="test")) == 5
    with pytest.raises(ValueError, match="split must be one of"):
        MNIST(tiny_12000, split="validation")


# ---------------------------------------------------------------------------------------------- Digits


def test_digits_shapes_sizes_and_range():
    pytest.importorskip("sklearn")
    train, test = Digits(), Digits(train=False)
    assert (len(train), len(test)) == (1437, 360) and train.train and not test.train
    x, y = train[0]
    assert x.shape == (1, 8, 8) and x.dtype == al.float32 and type(y) is int
    images, labels = train.__getitems__(np.arange(len(train))).columns
    assert images.min() == 0.0 and images.max() == 1.0 and labels.dtype == np.int64
    assert train.data.dtype == np.uint8 and train.data.max() == 16
    assert len(Digits(test_fraction=0.5)) == 898


def test_digits_split_is_fixed_stratified_and_disjoint():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    _, x_test, _, y_test = train_test_split(
        bunch.images, bunch.target, test_size=0.2, random_state=0, stratify=bunch.target
    )
    test = Digits(train=False)
    np.testing.assert_array_equal(test.data, x_test)
    np.testing.assert_array_equal(test.targets, y_test)
    np.testing.assert_array_equal(Digits(train=False).data, test.data)
    train_counts, test_counts = np.bincount(Digits().targets), np.bincount(test.targets)
    assert np.all(np.abs(test_counts - 0.2 * (train_counts + test_counts)) <= 1)


def test_digits_normalize_and_transform():
    pytest.importorskip("sklearn")
    ds = Digits(normalize=True, target_transform=lambda t: 9 - t)
    images, labels = ds.__getitems__(np.arange(len(ds))).columns
    assert abs(images.mean()) < 0.05 and abs(images.std() - 1) < 0.05
    np.testing.assert_array_equal(labels, 9 - Digits().targets)


def test_digits_without_sklearn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "sklearn", None)
    monkeypatch.setitem(__import__("sys").modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        Digits()


# ------------------------------------------------------------------------------------------ DataLoader


def test_dataloader_batches(idx_root):
    images, labels = next(iter(DataLoader(MNIST(idx_root), batch_size=8, shuffle=True)))
    assert isinstance(images, al.Tensor) and images.shape == (8, 1, 28, 28) and images.dtype == al.float32
    assert isinstance(labels, al.Tensor) and labels.shape == (8,) and labels.dtype == al.int64


def test_dataloader_over_book_split(tiny_12000):
    _, val = book_split(MNIST(tiny_12000))
    batches = list(DataLoader(val, batch_size=4096))
    assert [len(b[1]) for b in batches] == [4096, 4096, 1808]
    assert batches[0][0].shape == (4096, 1, 2, 2)


def test_repr_names_split_and_root(idx_root):
    text = repr(MNIST(idx_root, train=False))
    assert "Dataset MNIST" in text and "Number of datapoints: 12" in text and "Split: test" in text
