"""Package layout: al.nn / al.optim are the top-level nn and optim module objects, imported lazily."""

import subprocess
import sys
import textwrap

import pytest

import autograd_lite as al


def _run(code):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_autograd_lite_does_not_import_nn_or_optim():
    out = _run("""
        import sys
        import autograd_lite
        import autograd_lite.testing
        print(sorted(m for m in ("nn", "optim", "autograd_lite.nn", "autograd_lite.optim") if m in sys.modules))
    """)
    assert out == "[]"


@pytest.mark.parametrize(
    "code",
    [
        "import autograd_lite as al, nn, optim\nassert al.nn is nn and al.optim is optim",
        "import nn, optim\nimport autograd_lite as al\nassert al.nn is nn and al.optim is optim",
        "import autograd_lite.nn as x\nimport nn\nassert x is nn",
        "import autograd_lite.optim as x\nimport optim\nassert x is optim",
        "from autograd_lite import optim as o\nimport optim\nassert o is optim",
        "from autograd_lite import nn as n\nimport nn\nassert n is nn",
        "import autograd_lite.nn, autograd_lite.optim, sys, nn, optim\n"
        "assert sys.modules['autograd_lite.nn'] is nn and sys.modules['autograd_lite.optim'] is optim\n"
        "import autograd_lite as al\nassert al.nn is nn and al.optim is optim",
        "import autograd_lite as al\nm = al.nn\nimport sys\nassert sys.modules['nn'] is m",
    ],
    ids=[
        "attr",
        "attr-after",
        "import-as-nn",
        "import-as-optim",
        "from-import-optim",
        "from-import-nn",
        "sys-modules",
        "attr-first",
    ],
)
def test_nn_and_optim_are_the_top_level_modules(code):
    assert _run(code + "\nprint('ok')") == "ok"


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        al.nonexistent
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        al.autograd.nonexistent


def test_version():
    assert isinstance(al.__version__, str) and al.__version__.count(".") == 2
