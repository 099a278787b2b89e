"""The README's transcripts and counts hold: `modehal demo` and `modehal explore --sim` are run
and compared with what the README shows, and each count it states is the spec's (issue 24 D4).

Only what legitimately varies between runs is normalised: the simulator's port, the temporary
directory, timings (seconds measured, and the simulated clock's reading, which moves with them)
and the tokens the simulator makes at run time (each distinct token becomes its order of first
appearance, so a token shown twice must still be the same token twice).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from modehal.codegen import load_spec

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MODEHAL = [sys.executable, "-m", "modehal.cli"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("MODE_")}


def transcript(command: str) -> str:
    """The README's console block that starts with ``$ <command>``, without that line."""
    found = re.search(rf"```console\n\$ {re.escape(command)}\n(.*?)```", README, re.S)
    assert found, f"the README has no transcript of `{command}`"
    return found.group(1)


def normalised(text: str) -> str:
    text = re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT", text)
    text = re.sub(r"\S*/modehal-demo-[A-Za-z0-9_]+", "TMP/modehal-demo-X", text)
    text = re.sub(r"\b\d+\.\d+s\b", "N.NNs", text)
    text = re.sub(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b", "YYYY-MM-DD HH:MM:SS", text)
    tokens: dict[str, str] = {}
    return re.sub(
        r"\b[0-9a-f]{12}\b", lambda m: tokens.setdefault(m.group(), f"<token {len(tokens)}>"), text
    )


def run(*args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [*MODEHAL, *args], input=stdin, capture_output=True, text=True, timeout=120, env=CLEAN_ENV
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_normalising_keeps_what_must_not_vary() -> None:
    # a token seen twice stays one token; two tokens stay two
    assert normalised("a 0123456789ab b 0123456789ab") == "a <token 0> b <token 0>"
    assert normalised("0123456789ab ba9876543210") == "<token 0> <token 1>"
    assert normalised("links=31") != normalised("links=6")
    assert normalised(f"saved {tempfile.gettempdir()}/modehal-demo-x_1/a.csv") == (
        "saved TMP/modehal-demo-X/a.csv"
    )


def test_the_demo_transcript_is_the_demos_output() -> None:
    assert normalised(run("demo")) == normalised(transcript("modehal demo"))


def test_the_explore_transcript_is_explores_output() -> None:
    shown = transcript("modehal explore --sim")
    typed = re.findall(r"^modehal> (.*)$", shown, re.M)
    assert len(typed) > 5 and typed[-1] == "quit"
    output = run("explore", "--sim", stdin="\n".join(typed) + "\n")
    assert normalised(output) == normalised(shown)


@pytest.mark.parametrize(
    ("pattern", "count"),
    [
        (r"all (\d+) \(the", "operations"),
        (r"lists all (\d+)\)", "operations"),
        (r"(\d+) in all", "operations"),
        (r"the (\d+) operations and their paths", "operations"),
        (r"so the (\d+)\s", "operations"),
        (r"across (\d+) resource models", "resources"),
        (r"and (\d+) body objects", "objects"),
        (r"the (\d+) of Mode's\s+two OpenAPI files", "openapi"),
    ],
)
def test_each_count_the_readme_states_is_the_specs(pattern: str, count: str) -> None:
    spec = load_spec(ROOT / "spec")
    operations = [op for model in spec.models for op in model.operations]
    counts = {
        "operations": len(operations),
        "resources": sum(model.kind == "resource" for model in spec.models),
        "objects": sum(model.kind == "object" for model in spec.models),
        "openapi": sum(op.openapi is not None for op in operations),
    }
    stated = re.findall(pattern, README)
    assert stated, f"the README no longer says {pattern!r}: update this test"
    assert {int(number) for number in stated} == {counts[count]}
