"""Running a command with its stderr on a pseudo-terminal, as a person at a shell would."""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_on_a_terminal(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None, timeout: float = 60
) -> tuple[int, bytes, bytes]:
    """Run ``command`` with stderr on a pty and stdout piped: (exit status, stdout, what the
    terminal showed)."""
    primary, secondary = os.openpty()
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=secondary, env=dict(env), cwd=cwd
        )
        os.close(secondary)
        terminal = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(primary, 4096)
            except OSError:  # Linux: the other end closed
                break
            if not data:
                break
            terminal += data
        status = process.wait(timeout=30)
        assert process.stdout is not None
        return status, process.stdout.read(), terminal
    finally:
        os.close(primary)
