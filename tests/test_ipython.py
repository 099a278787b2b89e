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
    'run.follow("report_schedule").ti',
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
    "run = client.report_runs.create(sim.reports[0]).wait(poll_interval=0.02)\\n"
    "runs = client.report_runs.list(sim.reports[0])\\n"
    "import asyncio\\n"
    "def connect():\\n"
    "    return modehal.AsyncClient(sim.token, sim.secret, account=sim.account, base_url=sim.url)\\n"
    "async def fetch():\\n"
    "    async with connect() as fetcher:\\n"
    "        return await fetcher.report_runs.get(sim.reports[0], run.token)\\n"
    "arun = asyncio.run(fetch())\\n"
    "aclient = connect()\\n",
    store_history=False,
)
found = {}
for text in json.loads(sys.argv[1]):
    with provisionalcompleter():
        found[text] = [c.text for c in shell.Completer.completions(text, len(text))]
with provisionalcompleter():
    found["run."] = [c.text for c in shell.Completer.completions("run.", 4)]
shell.run_cell(
    "refused = []\\n"
    "for rel in run.links:\\n"
    "    try:\\n"
    "        run.follow(rel)\\n"
    "    except modehal.LinkError:\\n"
    "        refused.append(rel)\\n"
    "    except modehal.ModeError:\\n"
    "        pass\\n",
    store_history=False,
)
found["refused by follow()"] = sorted(shell.user_ns["refused"])
shell.run_cell("sim.stop()", store_history=False)
print(json.dumps(found))
"""


# Attributes after a call, which jedi and IPython's evaluation got wrong (issue 24, D1).
CHAINED = [
    'run.follow("report_schedule").',
    "client.report_runs.list(sim.reports[0]).first().",
    "runs.first().",
    "runs.take(2)[0].",
    'run.follow("query_runs").',
    'x = run.follow("report").follow("space").',
    "run.refresh().",
    '(await arun.follow("report_schedule")).',
    "(await aclient.report_runs.list(sim.reports[0]).first()).",
    '(await aclient.report_runs.get(sim.reports[0], "x")).',
    "aclient.report_runs.list(sim.reports[0]).",
    "(await aclient.report_runs.list(sim.reports[0])).",
    "n = 1 + len(runs.take(2)[0].",
]


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
    return complete(TYPED + CHAINED)


def test_rels_complete_in_links_and_in_follow(completions: dict[str, list[str]]) -> None:
    for typed in ('run.links["', 'run.follow("'):
        offered = completions[typed]
        assert {"report", "self", "query_runs", "pdf_export"} <= set(offered)
        assert not any(name.startswith("%") for name in offered)  # no magics, no file names
    assert completions['run.follow("rep'] == ["report"]  # a run made by hand: no schedule
    assert completions["run.download('con"] == ["content"]


def test_follow_offers_only_what_it_can_follow(completions: dict[str, list[str]]) -> None:
    every, followable = set(completions['run.links["']), set(completions['run.follow("'])
    # the download (content) and the pages of Mode's web app, which follow() refused
    assert every - followable == set(completions["refused by follow()"])
    assert {"content", "share", "web_external_url"} <= every - followable


RUN_ONLY = {"wait", "completed_at", "results", "query_runs", "python_state"}
COLLECTION_ONLY = {"first", "take", "pages", "to_list", "total"}
SCHEDULE = {"token", "state", "time_zone", "next_scheduled_run", "follow", "links"}
RUN = {"token", "state", "completed_at", "wait", "results", "follow", "links"}


def test_a_followed_rel_completes_its_target_model_only(
    completions: dict[str, list[str]],
) -> None:
    for typed in ('run.follow("report_schedule").', '(await arun.follow("report_schedule")).'):
        offered = set(completions[typed])
        assert SCHEDULE <= offered, typed
        assert not offered & (RUN_ONLY | COLLECTION_ONLY), typed  # not every overload's union
    assert completions['run.follow("report_schedule").ti'] == ["time_zone", "timeout"]
    collection = set(completions['run.follow("query_runs").'])
    assert COLLECTION_ONLY <= collection and not collection & RUN_ONLY
    space = set(completions['x = run.follow("report").follow("space").'])
    assert {"space_type", "restricted", "token"} <= space and not space & RUN_ONLY


def test_an_item_of_a_collection_completes_its_model(completions: dict[str, list[str]]) -> None:
    for typed in (
        "client.report_runs.list(sim.reports[0]).first().",
        "runs.first().",  # a live collection: its model is erased at run time
        "runs.take(2)[0].",
        "run.refresh().",
        "(await aclient.report_runs.list(sim.reports[0]).first()).",
        "n = 1 + len(runs.take(2)[0].",  # the chain after the operator and the parenthesis
        '(await aclient.report_runs.get(sim.reports[0], "x")).',
    ):
        offered = set(completions[typed])
        assert RUN <= offered, typed
        assert not offered & COLLECTION_ONLY, typed
    for typed in (
        "aclient.report_runs.list(sim.reports[0]).",
        "(await aclient.report_runs.list(sim.reports[0])).",
    ):
        listed = set(completions[typed])
        assert COLLECTION_ONLY <= listed and not listed & RUN_ONLY, typed


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
