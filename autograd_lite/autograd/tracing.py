"""The hook through which ``autograd_lite.compile`` watches an eager call: while a tracer is active, every
operation run by ``apply`` and every module called reports to it. With no tracer active (always, outside
a compiled function's first calls) the cost is one truthiness test of an empty list per operation."""

from typing import Any, List

TRACERS: List[Any] = []  # the active tracers, innermost last
