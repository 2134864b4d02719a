"""``python main.py serve``: the city service, headless (intake, timers, the simulator).

Logs go to standard error (under systemd, the journal). SIGTERM or SIGINT stops it
cleanly: the loops stop, what the feeds received is applied, the lease is given up and the
service is marked stopped, then it exits 0. See docs/DEPLOYMENT.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("citygrid.serve")


def add_serve_parser(sub: Any, add_db: Any) -> None:
    p = sub.add_parser("serve", help="run the city service: intake, the deadline watch and "
                                     "the simulator for every console (headless)")
    add_db(p)
    p.add_argument("--mqtt", metavar="HOST[:PORT]", default=None,
                   help="take sensor alerts and staff positions from this MQTT broker "
                        "(port 1883 by default)")
    p.add_argument("--prefix", default="citygrid", help="the feeds' topic prefix")
    p.add_argument("--group", default="citygrid",
                   help="shared subscription group: services of one group split the alerts "
                        "('' for a plain subscription)")
    p.add_argument("--client-id", default=None,
                   help="the broker session's client id (default: stable per host), kept "
                        "across restarts so no alert sent meanwhile is lost")
    p.add_argument("--snaps", metavar="DIR", default=None,
                   help="take in the snap reports phones drop into this folder")
    p.add_argument("--record", metavar="DIR", default=None,
                   help="write each past hour of the event log into DIR as a scenario file")
    p.add_argument("--simulate", action="store_true",
                   help="run the city simulator (invented cases: the demo or training only)")
    p.add_argument("--surge", action="store_true", help="with --simulate: ten times the rate")
    p.add_argument("--demo", action="store_true",
                   help="build the demo city into an empty database first, and simulate it")
    p.add_argument("--name", default=None,
                   help="this instance's name in the health table (default: host-pid)")
    p.add_argument("--nice", type=int, default=0, metavar="N",
                   help="run at a lower CPU priority (os.nice N, 0-19); a single seat's "
                        "console starts its service at 5, so the window keeps the CPU in a "
                        "surge")
    # the console that started this service as its child: when it is gone, stop too
    p.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)


def parse_broker(text: str) -> tuple[str, int]:
    """``HOST[:PORT]`` as (host, port).

    >>> parse_broker("127.0.0.1"), parse_broker("broker:8883")
    (('127.0.0.1', 1883), ('broker', 8883))
    """
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "1883")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--mqtt wants HOST[:PORT], not {text!r}")
    return host, int(port)


def cmd_serve(args: argparse.Namespace) -> int:
    from console.application.cityservice import CityService, ServiceConfig, default_instance
    from models.storage.db import Database

    try:
        broker = parse_broker(args.mqtt) if args.mqtt else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.surge and not (args.simulate or args.demo):
        print("error: --surge goes with --simulate", file=sys.stderr)
        return 2
    if not 0 <= args.nice <= 19:
        print(f"error: --nice wants 0 to 19, not {args.nice}", file=sys.stderr)
        return 2
    if args.nice:
        os.nice(args.nice)
    db = Database.open(args.db)
    simulate = args.simulate
    if args.demo and db.is_empty():
        from models.scenarios.democity import build_demo_city, seed_demo_cases

        log.info("building the demo city of Changsha into the empty database")
        build_demo_city(db)
        seed_demo_cases(db)
        simulate = True  # the demo city's first run comes alive
    config = ServiceConfig(mqtt=broker, prefix=args.prefix, group=args.group or None,
                           client_id=args.client_id,
                           snap_folder=Path(args.snaps) if args.snaps else None,
                           record_dir=Path(args.record) if args.record else None,
                           simulate=simulate, surge=args.surge,
                           instance=args.name or default_instance())
    service = CityService(db, config)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    service.start()
    print(f"city service {service.instance} running on {db.engine.url.render_as_string()}"
          " (SIGTERM or Ctrl+C stops it)", flush=True)
    try:
        while not stop.wait(1.0):
            if args.parent is not None and os.getppid() != args.parent:
                log.info("the console that started this service is gone: stopping")
                break
    finally:
        service.stop()
        db.dispose()
    return 0
