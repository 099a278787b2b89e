"""What Airflow loads while it configures itself: the provider's description, which must import
nothing of Airflow's (these run without Airflow installed; tests/test_airflow.py runs the rest
under a real Airflow)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points


def test_the_entry_point_names_get_provider_info() -> None:
    found = {ep.value for ep in entry_points(group="apache_airflow_provider")}
    assert "modehal.airflow:get_provider_info" in found


def test_provider_info_imports_nothing_of_airflow_and_is_plain_data() -> None:
    code = (
        "import json, sys\n"
        "from modehal.airflow import get_provider_info\n"
        "info = get_provider_info()\n"
        "print(json.dumps(info))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('airflow', 'httpx', 'pendulum', 'sqlalchemy') or m.startswith('modehal.airflow.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    info_line, modules_line = done.stdout.splitlines()
    assert json.loads(modules_line) == []
    info = json.loads(info_line)
    assert info["package-name"] == "modehal"  # Airflow checks it against the distribution's name
    [connection] = info["connection-types"]
    assert connection["connection-type"] == "mode"
    assert connection["hook-class-name"] == "modehal.airflow.hooks.ModeHook"
    assert connection["ui-field-behaviour"]["relabeling"]["login"] == "API token"
    assert set(connection["conn-fields"]) == {
        "account",
        "discovery_id",
        "discovery_access_key",
        "discovery_access_secret",
    }


def test_each_call_returns_a_fresh_dict() -> None:
    from modehal.airflow import get_provider_info

    first = get_provider_info()
    first["documentation-url"] = "changed"  # Airflow adds keys to what it is given
    assert "documentation-url" not in get_provider_info()
