"""``modehal sim``: serve the simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from ..sim import Simulator


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("sim", help="serve an offline Mode on loopback until Ctrl-C")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port; default 8765)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo data (default 0)")
    parser.add_argument("--speed", type=float, default=1.0, help="clock speed: 10 makes runs finish 10x sooner")
    parser.add_argument("--no-quirks", action="store_true", help="behave as the docs say, not as Mode does")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sim = Simulator(port=args.port, seed=args.seed, speed=args.speed, quirks=not args.no_quirks)
    with sim:
        print(f"Mode simulator listening on {sim.url}  (Ctrl-C to stop)")
        print(f"  account     {sim.account}")
        print(f"  API token   {sim.token}")
        print(f"  API secret  {sim.secret}")
        print(f"  Discovery   id={sim.discovery[0]} access_key={sim.discovery[1]} access_secret={sim.discovery[2]}")
        print(f"  reports     {', '.join(sim.reports)}  (the last one fails when run)")
        print(f"  datasets    {', '.join(sim.datasets)}")
        print("Point modehal at it:")
        print(f"  export MODE_BASE_URL={sim.url} MODE_ACCOUNT={sim.account} MODE_TOKEN={sim.token} MODE_SECRET={sim.secret}")
        print(
            f"  export MODE_DISCOVERY_ID={sim.discovery[0]} MODE_DISCOVERY_ACCESS_KEY={sim.discovery[1]} "
            f"MODE_DISCOVERY_ACCESS_SECRET={sim.discovery[2]}",
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0
