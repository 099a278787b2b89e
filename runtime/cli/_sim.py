"""``modehal sim``: serve the simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from .._settings import ACCOUNT, BASE_URL, DISCOVERY, SECRET, TOKEN
from ..sim import Simulator
from ..sim._store import RESULTS_ROWS
from ._common import row_count


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("sim", help="serve an offline Mode on loopback until Ctrl-C")
    parser.add_argument(
        "--port", type=int, default=8765, help="port to listen on (0: any free port; default 8765)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo data (default 0)")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="clock speed: 10 makes runs finish 10x sooner"
    )
    parser.add_argument(
        "--results-rows",
        type=row_count,
        metavar="N",
        default=RESULTS_ROWS,
        help=f"rows in each query's results (default {RESULTS_ROWS}; a million makes a run's "
        "download big enough to watch modehal's progress bar)",
    )
    parser.add_argument(
        "--no-quirks", action="store_true", help="behave as the docs say, not as Mode does"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sim = Simulator(
        port=args.port,
        seed=args.seed,
        speed=args.speed,
        quirks=not args.no_quirks,
        results_rows=args.results_rows,
    )
    with sim:
        print(f"Mode simulator listening on {sim.url}  (Ctrl-C to stop)")
        print(f"  account     {sim.account}")
        print(f"  API token   {sim.token}")
        print(f"  API secret  {sim.secret}")
        print(
            f"  Discovery   id={sim.discovery[0]} access_key={sim.discovery[1]} access_secret={sim.discovery[2]}"
        )
        print(f"  reports     {', '.join(sim.reports)}  (the last one fails when run)")
        print(f"  datasets    {', '.join(sim.datasets)}")
        print("Point modehal at it:")
        rest = {BASE_URL: sim.url, ACCOUNT: sim.account, TOKEN: sim.token, SECRET: sim.secret}
        print("  export " + " ".join(f"{name}={value}" for name, value in rest.items()))
        print(
            "  export "
            + " ".join(f"{name}={value}" for name, value in zip(DISCOVERY, sim.discovery)),
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0
