"""modehal's Apache Airflow provider: a hook, an operator, a sensor and a trigger for Mode.

    pip install "modehal[airflow]"

Airflow finds it through the ``apache_airflow_provider`` entry point, which names
``get_provider_info`` below. Airflow calls that while it configures itself, so this module
imports nothing of Airflow's (nor of modehal's client): the hook, operator, sensor and trigger
live in submodules that do, and are loaded when first named here
(``from modehal.airflow import ModeRunReportOperator``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._version import __version__

if TYPE_CHECKING:
    from .hooks import ModeHook
    from .operators import ModeRunReportOperator
    from .sensors import ModeRunSensor
    from .triggers import ModeRunTrigger

__all__ = [
    "ModeHook",
    "ModeRunReportOperator",
    "ModeRunSensor",
    "ModeRunTrigger",
    "get_provider_info",
]

_WHERE = {
    "ModeHook": "hooks",
    "ModeRunReportOperator": "operators",
    "ModeRunSensor": "sensors",
    "ModeRunTrigger": "triggers",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_provider_info() -> dict[str, Any]:
    """What Airflow needs to know of this provider, as plain data (a new dict each call:
    Airflow adds keys to it)."""
    return {
        "package-name": "modehal",
        "name": "Mode (modehal)",
        "description": "Run Mode Analytics reports, wait for them and save their results.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Mode",
                "external-doc-url": "https://mode.com/developer/api-reference/introduction/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Mode", "python-modules": ["modehal.airflow.hooks"]}],
        "operators": [
            {"integration-name": "Mode", "python-modules": ["modehal.airflow.operators"]}
        ],
        "sensors": [{"integration-name": "Mode", "python-modules": ["modehal.airflow.sensors"]}],
        "triggers": [{"integration-name": "Mode", "python-modules": ["modehal.airflow.triggers"]}],
        "connection-types": [
            {
                "hook-class-name": "modehal.airflow.hooks.ModeHook",
                "hook-name": "Mode",
                "connection-type": "mode",
                # Airflow 3 reads the connection form from here without importing the hook
                # (providers_manager: conn-fields, ui-field-behaviour)
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {
                        "login": "API token",
                        "password": "API secret",
                        "host": "Base URL",
                    },
                    "placeholders": {
                        "login": "The API token's name (token)",
                        "password": "The API token's secret",
                        "host": "https://app.mode.com (the default)",
                    },
                },
                "conn-fields": {
                    "account": {
                        "label": "Workspace",
                        "description": "The Mode workspace (its username), as in /api/{account}.",
                        "schema": {"type": ["string", "null"]},
                    },
                    "discovery_id": {
                        "label": "Discovery API token id",
                        "description": "Only for the Discovery API's listings (optional).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "discovery_access_key": {
                        "label": "Discovery API access key",
                        "schema": {"type": ["string", "null"]},
                    },
                    "discovery_access_secret": {
                        "label": "Discovery API access secret",
                        "schema": {"type": ["string", "null"], "format": "password"},
                    },
                },
            }
        ],
    }
