"""Completion as an IPython user meets it: IPython's own completer (``IPCompleter``) in an
``InteractiveShell`` with its default configuration (``evaluation='limited'``, jedi on), in a
process of its own where ``import modehal`` happens inside the shell, as in a session.

The README's Explore section shows this very output (``SESSION`` below, printed by
``python tests/test_ipython.py``); a test checks that it still matches.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("IPython")

README = Path(__file__).resolve().parent.parent / "README.md"

# Typed at the prompt, in this order; the completions of each are captured.
TYPED = [
    'run.links["',
    'run.follow("',
    'run.follow("rep',
    "run.download('con",
    "run.st",
    "modehal.Cl",
]

SESSION = """
import json, sys
from IPython.core.completer import provisionalcompleter
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()  # the default configuration
assert shell.Completer.evaluation == "limited" and shell.Completer.use_jedi
shell.run_cell(
    "import modehal\\n"
    "from modehal.sim import Simulator\\n"
    "sim = Simulator(port=0, speed=100).start()\\n"
    "client = sim.client()\\n"
    "run = client.report_runs.create(sim.reports[0]).wait(poll_interval=0.02)\\n",
    store_history=False,
)
found = {}
for text in json.loads(sys.argv[1]):
    with provisionalcompleter():
        found[text] = [c.text for c in shell.Completer.completions(text, len(text))]
with provisionalcompleter():
    found["run."] = [c.text for c in shell.Completer.completions("run.", 4)]
shell.run_cell("sim.stop()", store_history=False)
print(json.dumps(found))
"""


def complete(typed: list[str]) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", SESSION, json.dumps(typed)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert out.returncode == 0, out.stderr
    found: dict[str, list[str]] = json.loads(out.stdout.splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def completions() -> dict[str, list[str]]:
    return complete(TYPED)


def test_rels_complete_in_links_and_in_follow(completions: dict[str, list[str]]) -> None:
    for typed in ('run.links["', 'run.follow("'):
        offered = completions[typed]
        assert {"report", "self", "query_runs", "content", "pdf_export"} <= set(offered)
        assert not any(name.startswith("%") for name in offered)  # no magics, no file names
    assert completions['run.follow("rep'] == ["report"]  # a run made by hand: no schedule
    assert completions["run.download('con"] == ["content"]


def test_a_run_completes_its_fields_and_methods(completions: dict[str, list[str]]) -> None:
    # jedi used to raise on the Literal-typed properties, and IPython showed nothing
    assert {"state", "follow", "wait", "results", "query_runs", "links"} <= set(completions["run."])
    assert completions["run.st"] == ["state"]


def test_the_lazily_loaded_client_completes(completions: dict[str, list[str]]) -> None:
    assert completions["modehal.Cl"] == ["Client"]


def test_dir_of_the_package_is_its_public_names() -> None:
    import modehal

    assert "Client" in dir(modehal) and "Results" in dir(modehal)
    assert "Any" not in dir(modehal) and "TYPE_CHECKING" not in dir(modehal)


def rendered(completions: dict[str, list[str]]) -> str:
    lines = []
    for number, typed in enumerate(TYPED, start=2):
        offered = completions[typed]
        shown = ", ".join(offered[:6]) + (", ..." if len(offered) > 6 else "")
        lines.append(f"In [{number}]: {typed}<Tab>\n        {shown}")
    return "\n".join(lines)


def test_the_readme_shows_this_output(completions: dict[str, list[str]]) -> None:
    assert rendered(completions) in README.read_text(encoding="utf-8")


if __name__ == "__main__":
    print(rendered(complete(TYPED)))
