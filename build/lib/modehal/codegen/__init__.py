"""modehal's code generator: ``spec/`` (YAML) → ``generated/`` (typed Python).

Run it as ``python -m modehal.codegen`` (``--check`` to verify without writing). Needs the
``codegen`` extra (jinja2, pyyaml, black).
"""

from ._cli import generate, main
from ._errors import SpecError
from ._render import render
from ._spec import Spec, load_spec

__all__ = ["Spec", "SpecError", "generate", "load_spec", "main", "render"]
