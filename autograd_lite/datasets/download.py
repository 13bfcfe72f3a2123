"""Downloading the MNIST files: mirrors tried in turn, MD5 checked, written atomically.

Only the standard library is used (``urllib.request``). A file is streamed to a temporary ``.part`` file
next to its final name, its MD5 is compared with the published one, and only then is it renamed onto the
final name, so an interrupted or damaged download never leaves a file in the cache.
"""

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

TIMEOUT = 30.0
_CHUNK = 1 << 16


class DownloadError(OSError):
    """Every mirror failed for a file; the message names the file and why each mirror failed."""


class _MirrorFailed(Exception):
    """One mirror did not deliver a good copy (the reason is the message); the next one is tried."""


def download_file(filename, directory, mirrors=None, md5=None, timeout=TIMEOUT):
    """Fetch ``filename`` into ``directory`` from the first mirror that gives bytes with the expected MD5
    (``MD5[filename]`` unless ``md5`` is given); return its path. Raises ``DownloadError`` if all fail."""
    mirrors = list(MIRRORS if mirrors is None else mirrors)
    expected = MD5[filename] if md5 is None else md5
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, filename)
    failures = []
    for mirror in mirrors:
        url = _join(mirror, filename)
        try:
            size = _fetch_verified(url, target, expected, timeout)
        except _MirrorFailed as e:
            failures.append(f"{url}: {e}")
            print(f"autograd_lite: could not download {filename} from {url}: {e}", file=sys.stderr)
            continue
        print(f"autograd_lite: downloaded {filename} ({size:,} bytes) from {mirror}", file=sys.stderr)
        return target
    tried = "\n  ".join(failures) if failures else "(no mirrors given)"
    raise DownloadError(f"could not download {filename} into {directory}; mirrors tried:\n  {tried}")


def _join(mirror, filename):
    """The URL of ``filename`` under ``mirror`` (a base URL with or without its trailing slash)."""
    return mirror if mirror.endswith(filename) else mirror.rstrip("/") + "/" + filename


def _fetch_verified(url, target, expected_md5, timeout):
    """Stream ``url`` to a temporary file beside ``target``, check its MD5 and rename it onto ``target``;
    the temporary file is removed whatever happens. Returns the byte count."""
    directory, name = os.path.split(target)
    fd, part = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            size, digest = _stream(url, out, timeout)
            out.flush()
            os.fsync(out.fileno())  # on disk before the rename makes it the cached file
        if digest != expected_md5:
            raise _MirrorFailed(
                f"checksum mismatch: MD5 of the {size:,} bytes received is {digest}, expected {expected_md5}"
            )
        os.replace(part, target)
        return size
    finally:
        if os.path.exists(part):
            os.remove(part)


def _stream(url, out, timeout):
    """Copy the body at ``url`` into the open file ``out``; return (byte count, MD5 hex digest). Any
    network or HTTP problem, or a body shorter than its Content-Length, becomes ``_MirrorFailed``."""
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    request = urllib.request.Request(url, headers={"User-Agent": "autograd_lite"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    except urllib.error.HTTPError as e:
        raise _MirrorFailed(f"HTTP error {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise _MirrorFailed(f"cannot connect: {e.reason}") from None
    except TimeoutError:
        raise _MirrorFailed(f"timed out after {timeout} s, {size:,} bytes received") from None
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise _MirrorFailed(f"transfer failed after {size:,} bytes: {type(e).__name__}: {e}") from None
    if length is not None and length.isdigit() and size != int(length):
        raise _MirrorFailed(
            f"short transfer: received {size:,} of the {int(length):,} bytes announced (connection cut)"
        )
    return size, digest.hexdigest()
