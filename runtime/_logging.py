"""The ``modehal`` logger, and ``MODE_LOG=info|debug`` to see it on stderr.

Nothing logged ever holds a credential: headers are logged with ``Authorization`` redacted,
and URLs never carry credentials in the first place.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

logger = logging.getLogger("modehal")
_configured = False


def log_to_stderr(level: str | None) -> None:
    """Send modehal's log to stderr at ``level`` (``MODE_LOG``'s), once; None does nothing."""
    global _configured
    if _configured or level is None:
        return
    _configured = True
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        key: (
            "[redacted]"
            if key.lower() in ("authorization", "proxy-authorization", "cookie")
            else value
        )
        for key, value in headers.items()
    }
