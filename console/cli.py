"""The command line: ``python main.py [COMMAND] [--db URL]``.

Without a command the console window opens. Commands are thin: they parse arguments, call
a service of :mod:`models` as the local administrator, print the outcome and exit with 0
(success), 1 (the input has problems; nothing written) or 2 (usage error).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from console.reconcile_cli import cmd_dept_layers, cmd_reconcile
from console.serve_cli import add_serve_parser, cmd_serve

if TYPE_CHECKING:
    from models.core.auth import Actor
    from models.storage.db import Database

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="database URL (default: SQLite in the user data directory; "
                        "e.g. postgresql://postgres@127.0.0.1:5432/test)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="CityGrid Console")
    _add_db(parser)
    parser.add_argument("--screenshot", metavar="FILE",
                        help="start offscreen, save a PNG of the main window and exit")
    parser.add_argument("--smoke", metavar="FILE",
                        help="start on the real display, wait for the map of the city, save a "
                             "screenshot taken from the display to FILE, print a JSON line "
                             "and exit (0 when the map showed)")
    parser.add_argument("--no-demo", action="store_true",
                        help="do not build the demo city into an empty database at start")
    parser.add_argument("--mqtt", metavar="HOST[:PORT]", default=None,
                        help="take the live feeds from this MQTT broker (overrides the "
                             "settings; 'off' for none)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="build the demo city of Changsha into an empty database")
    _add_db(p)
    p.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    p.add_argument("--cases", type=int, default=400,
                   help="open cases of the last ninety minutes to report (default 400)")

    for name, text in (("validate-grids", "check a grid layer (GeoJSON or GeoPackage)"),
                       ("import-grids", "import a grid layer into the database")):
        p = sub.add_parser(name, help=text)
        p.add_argument("file", help="GeoJSON (.geojson, .json) or GeoPackage (.gpkg)")
        p.add_argument("--datum", default=None,
                       help="datum of the file when it does not say: WGS84, CGCS2000, GCJ02")
        _add_db(p)
        if name == "validate-grids":
            p.add_argument("--boundary", metavar="FILE", default=None,
                           help="GeoJSON polygons (communities, districts) the grids must "
                                "cover; with --db the stored communities and districts are "
                                "checked too")
        if name == "import-grids":
            p.add_argument("--replace", action="store_true",
                           help="replace grids whose code is already stored")

    p = sub.add_parser("export-grids", help="export the grids (GeoJSON RFC 7946 or GeoPackage)")
    p.add_argument("file", help="output .geojson or .gpkg")
    _add_db(p)

    p = sub.add_parser("simulate", help="run the city simulator on the demo city (headless)")
    p.add_argument("--hours", type=float, default=1.0, help="simulated hours (default 1)")
    p.add_argument("--seed", type=int, default=2019)
    p.add_argument("--surge", action="store_true", help="ten times the normal event rate")
    p.add_argument("--record", metavar="FILE", default=None,
                   help="record a scenario file instead (headless, as fast as possible; "
                        "the database is only read)")
    p.add_argument("--district", metavar="CODE", default=None,
                   help="with --record: one district (e.g. 430103 Tianxin); default all")
    p.add_argument("--days", type=float, default=None,
                   help="with --record: simulated days (default 1)")
    p.add_argument("--policy", default="default-2026",
                   help="routing policy the simulated dispatchers follow")
    _add_db(p)

    p = sub.add_parser("replay", help="replay a scenario file headless and print its "
                                      "indicators (last line: one JSON object)")
    p.add_argument("file", help="a scenario file (.cgs)")
    p.add_argument("--speed", default="max",
                   help="'max' (as fast as possible) or a factor such as 3600 (seconds of "
                        "scenario per second)")
    p.add_argument("--policy", action="append", default=[], metavar="NAME",
                   help="route the scenario's cases under this policy too (repeat to "
                        "compare; needs the database the scenario's grids come from)")
    _add_db(p)

    p = sub.add_parser("register-sensors",
                       help="register IoT sensors from a JSON list (id, kind, lon, lat, "
                            "optional subcategory and name); all or nothing")
    p.add_argument("file", help="sensors .json")
    _add_db(p)

    p = sub.add_parser("export-scenario",
                       help="cut a slice of the event log (time range, district) into a "
                            "scenario file")
    p.add_argument("file", help="output scenario file (.cgs)")
    p.add_argument("--from", dest="start", required=True, metavar="TIME",
                   help="ISO 8601 with a time zone, e.g. 2026-11-28T08:00+08:00")
    p.add_argument("--to", dest="end", required=True, metavar="TIME")
    p.add_argument("--district", metavar="CODE", default=None)
    _add_db(p)

    p = sub.add_parser("import-cases",
                       help="import cases from CSV (UTF-8 or GBK) or Open311 GeoReport v2 JSON")
    p.add_argument("file", help=".csv or .json")
    p.add_argument("--service-map", metavar="FILE.json", default=None,
                   help="a JSON object mapping the file's service codes to our subcategory "
                        "codes; a code it does not name takes the subcategory the "
                        "description suggests")
    p.add_argument("--quarantine-invalid", action="store_true",
                   help="import the valid rows and put each invalid row in the quarantine "
                        "with its reason (default: all or nothing)")
    _add_db(p)
    p = sub.add_parser("export-cases", help="export every case as Open311 GeoReport v2 JSON")
    p.add_argument("file", help="output .json")
    _add_db(p)
    p = sub.add_parser("import-snaps",
                       help="import snap reports (JSON with photos beside it): one file, or "
                            "every .json in a folder; the files stay where they are")
    p.add_argument("path", help="a report .json, or a folder of them")
    _add_db(p)
    p = sub.add_parser("add-calendar",
                       help="check a year's working calendar (public holidays and adjusted "
                            "working days of the State Council's notice, JSON: see "
                            "docs/CASES.md) and install it in the user data directory, "
                            "where later runs load it (it overrides a shipped year)")
    p.add_argument("file", help="working-calendar-YYYY.json")

    p = sub.add_parser("dept-layers",
                       help="write the demo city's two departmental grid layers (generated, "
                            "labelled so) and their records into a folder")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    p.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="fraction of the report's grid counts (default 1: 2,056 and 2,515)")
    p.add_argument("--events", type=int, default=6000,
                   help="historical events per layer (default 6000)")
    _add_db(p)

    p = sub.add_parser("reconcile",
                       help="reconcile departmental grid layers with the unified grid: "
                            "crosswalk, conflicts, re-keyed records, a GeoPackage, CSVs and "
                            "a PDF report (docs/RECONCILE.md)")
    p.add_argument("layers", nargs="+", metavar="LAYER",
                   help="departmental layers (.geojson, .gpkg, .shp)")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    p.add_argument("--datum", action="append", default=[], metavar="NAME=DATUM",
                   help="a layer's datum when its file does not say (WGS84, CGCS2000, "
                        "GCJ02); else declared by the file or detected")
    p.add_argument("--code-field", action="append", default=[], metavar="NAME=FIELD",
                   help="the attribute holding a layer's grid codes (default: code)")
    p.add_argument("--records", action="append", default=[], metavar="NAME=FILE",
                   help="a layer's records CSV to carry onto the unified grid")
    p.add_argument("--no-report", action="store_true", help="write no PDF report")
    p.add_argument("--propose", action="store_true",
                   help="also propose a unified grid balancing workload (the cases of the "
                        "last year and the located departmental events)")
    p.add_argument("--min-events", type=float, default=0.0,
                   help="with --propose: fewest events a year per grid")
    p.add_argument("--max-events", type=float, default=None,
                   help="with --propose: most events a year per grid (default: today's "
                        "mean per basic grid times 1.25)")
    p.add_argument("--max-area-km2", type=float, default=None,
                   help="with --propose: largest grid in km²")
    _add_db(p)
    add_serve_parser(sub, _add_db)
    return parser


def _admin() -> Actor:
    from models.core.auth import Actor

    return Actor.system("cli")


def _open_db(url: str | None) -> Database:
    from models.storage.db import Database

    return Database.open(url)


def cmd_demo(args: argparse.Namespace) -> int:
    from models.scenarios.democity import build_demo_city, seed_demo_cases

    db = _open_db(args.db)
    print(f"building the demo city of Changsha into {db.url} ...", flush=True)
    start = time.perf_counter()
    summary = build_demo_city(db, seed=args.seed,
                              progress=lambda step, frac: print(f"  {frac:4.0%} {step}",
                                                                flush=True))
    print(f"done in {time.perf_counter() - start:.1f} s: {summary.districts} districts, "
          f"{summary.streets} streets, {summary.communities} communities, {summary.grids} grids "
          f"({summary.dedicated_grids} dedicated), {summary.staff} staff, "
          f"{summary.departments} departments")
    if args.cases > 0:
        seed_demo_cases(db, n=args.cases, seed=args.seed)
        print(f"reported {args.cases} demo cases of the last ninety minutes")
    print("street, community and grid boundaries are GENERATED for the demo, not official")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from models.core.geo import Datum
    from models.world.gridcheck import validate_file
    from models.world.gridread import read_boundary

    datum = Datum.parse(args.datum) if args.datum else None
    db = _open_db(args.db) if args.db else None
    boundary = read_boundary(args.boundary) if args.boundary else None
    problems = validate_file(args.file, datum=datum, db=db, boundary=boundary)
    for p in problems:
        where = f" at {p.location[0]:.6f},{p.location[1]:.6f}" if p.location else ""
        area = f" ({p.area_m2:,.1f} m²)" if p.area_m2 is not None else ""
        codes = ",".join(p.codes) or "-"
        print(f"{p.kind}\t{codes}{where}{area}\t{p.message}")
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{args.file}: clean")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from models.core.geo import Datum
    from models.world.gridio import import_grids

    datum = Datum.parse(args.datum) if args.datum else None
    summary = import_grids(_open_db(args.db), _admin(), args.file, datum=datum,
                           replace=args.replace)
    print(f"imported {args.file} (datum {summary.source_datum}): {summary.inserted} new, "
          f"{summary.updated} replaced")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from models.world.gridio import export_grids

    n = export_grids(_open_db(args.db), _admin(), args.file)
    print(f"exported {n} grids to {args.file}")
    return EXIT_OK


def cmd_import_cases(args: argparse.Namespace) -> int:
    from models.core.errors import ValidationError
    from models.intake.files import ServiceMap, import_cases
    from models.world.gridindex import GridIndex

    db = _open_db(args.db)
    try:
        service_map = ServiceMap.read(args.service_map) if args.service_map else None
        result = import_cases(db, _admin(), args.file, locate=GridIndex.from_db(db).locate,
                              service_map=service_map,
                              quarantine_invalid=args.quarantine_invalid)
    except ValidationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        # import_cases lists (row, message) of the rows it refused
        problems = cast("list[tuple[int, str]]", exc.details.get("problems", []))
        for row, message in problems:
            print(f"  row {row}: {message}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"imported {result.imported} cases from {args.file}")
    if result.quarantined:
        print(f"{len(result.quarantined)} invalid row(s) put in the quarantine with their "
              "reasons", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_export_cases(args: argparse.Namespace) -> int:
    from models.intake.files import export_cases

    n = export_cases(_open_db(args.db), _admin(), args.file)
    print(f"exported {n} cases to {args.file} (Open311 GeoReport v2, phones masked)")
    return EXIT_OK


def cmd_import_snaps(args: argparse.Namespace) -> int:
    from pathlib import Path

    from models.intake.snaps import SnapImporter
    from models.world.gridindex import GridIndex

    path = Path(args.path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
    elif path.is_file():
        files = [path]
    else:
        print(f"error: {path} is neither a file nor a folder", file=sys.stderr)
        return EXIT_USAGE
    db = _open_db(args.db)
    importer = SnapImporter(db, _admin(), locate=GridIndex.from_db(db).locate)
    quarantined = 0
    for f in files:
        o = importer.import_file(f)
        if o.case_id is not None:
            dups = f", may repeat case(s) {', '.join(map(str, o.duplicates))}" \
                if o.duplicates else ""
            print(f"{f.name}: case {o.case_id} with {o.photos} photo(s){dups}")
        else:
            quarantined += 1
            print(f"{f.name}: quarantined as item {o.quarantine_id}: {o.reason}",
                  file=sys.stderr)
    print(f"{len(files) - quarantined} snap report(s) imported, {quarantined} quarantined")
    return EXIT_PROBLEMS if quarantined else EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    import datetime as dt

    from models.scenarios.simulator import CitySimulator
    from routing.graph import EscalationGraph
    from routing.policy import Router
    from routing.rules import load_policy

    if args.record:
        return _record(args)
    if args.days is not None or args.district:
        print("error: --days and --district go with --record", file=sys.stderr)
        return EXIT_USAGE
    if not args.hours > 0:
        print("error: --hours must be positive", file=sys.stderr)
        return EXIT_USAGE
    db = _open_db(args.db)
    try:
        start = dt.datetime.now(dt.UTC)
        # the simulated dispatchers send each case where the policy's router does
        router = Router(EscalationGraph.from_db(db), load_policy(args.policy))
        sim = CitySimulator(db, seed=args.seed, start=start, surge=args.surge, router=router)
        t0 = time.perf_counter()
        stats = sim.run_until(start + dt.timedelta(hours=args.hours))
        took = time.perf_counter() - t0
    finally:
        db.dispose()
    print(f"simulated {args.hours:g} h in {took:.1f} s: {stats['reported']} events reported, "
          f"{stats['advanced']} steps taken, {stats['waiting']} cases waiting for their next step")
    return EXIT_OK


def _record(args: argparse.Namespace) -> int:
    from routing.scenarios import record_simulation

    days = 1.0 if args.days is None else args.days
    if not days > 0:
        print("error: --days must be positive", file=sys.stderr)
        return EXIT_USAGE
    db = _open_db(args.db)
    t0 = time.perf_counter()
    header = record_simulation(db, Path(args.record), district=args.district, days=days,
                               seed=args.seed, surge=args.surge, policy=args.policy)
    took = time.perf_counter() - t0
    from models.scenarios.files import read_scenario

    n = sum(1 for e in read_scenario(Path(args.record)).events if e["k"] == "report")
    print(f"recorded {header.name}: {n} events with their lifecycles in {took:.1f} s "
          f"-> {args.record}")
    print(json.dumps({"events": n, "days": days, "record_s": round(took, 2)}))
    return EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    from models.scenarios.files import read_scenario
    from models.scenarios.replay import Replay
    from routing.scenarios import compare_policies

    t0 = time.perf_counter()
    scenario = read_scenario(Path(args.file))
    load_s = time.perf_counter() - t0
    replay = Replay(scenario)
    h = scenario.header
    print(f"scenario {h.name!r}: {replay.n_cases} cases, {len(replay.ev_t)} case events, "
          f"{len(replay.pos_t)} staff moves, from {h.start_dt:%Y-%m-%d %H:%M} to "
          f"{h.end_dt:%Y-%m-%d %H:%M} UTC")
    if args.speed == "max":
        ind = replay.run()
    else:
        try:
            speed = float(args.speed)
        except ValueError:
            print(f"error: --speed must be 'max' or a number, not {args.speed!r}",
                  file=sys.stderr)
            return EXIT_USAGE
        if not speed > 0:
            print("error: --speed must be positive", file=sys.stderr)
            return EXIT_USAGE
        # paced: scenario time advances ``speed`` seconds per wall second
        wall0, k = time.monotonic(), 0
        n = len(replay.ev_t)
        while k < n:
            t = replay.start + (time.monotonic() - wall0) * speed
            k = replay.events_until(t)
            print(f"\r{dt_text(t)}  {k}/{n} events", end="", flush=True)
            time.sleep(0.5)
        print()
        ind = replay.run()
    print(f"closed on time {ind.closed_on_time_rate:.1%} of {ind.closed} closed; mean "
          f"{ind.mean_hours_to_close:.1f} h to close, {ind.mean_minutes_to_accept:.1f} min "
          f"to accept, {ind.mean_minutes_to_dispatch:.1f} min to dispatch; rework "
          f"{ind.rework}; open {ind.open} (overdue {ind.overdue})")
    print(f"closed {ind.closure_rate:.2%} of {ind.events} events; by category "
          + ", ".join(f"{c} {v:.2%}" for c, v in ind.category_share.items()))
    # the whole replay: reading the file, indexing it, running it
    result = ind.as_dict() | {"replay_s": round(time.perf_counter() - t0, 3),
                              "load_s": round(load_s, 3)}
    if args.policy:
        db = _open_db(args.db)
        try:
            table = compare_policies(replay, db, args.policy)
        finally:
            db.dispose()
        names = list(table)
        keys = list(table[names[0]])
        print(f"{'':28}" + "".join(f"{n:>16}" for n in names))
        for key in keys:
            print(f"{key:28}" + "".join(f"{table[n][key]:>16.1%}" for n in names))
        result["policies"] = table
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def dt_text(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=8))).strftime(
        "%Y-%m-%d %H:%M:%S")


def cmd_register_sensors(args: argparse.Namespace) -> int:
    from models.world.gridindex import GridIndex
    from models.world.sensors import SensorService

    db = _open_db(args.db)
    n = SensorService(db, _admin(), locate=GridIndex.from_db(db).locate).register_file(
        Path(args.file))
    print(f"registered {n} sensor(s)")
    return EXIT_OK


def cmd_export_scenario(args: argparse.Namespace) -> int:
    import datetime as dt

    from models.scenarios.files import export_scenario

    try:
        start = dt.datetime.fromisoformat(args.start)
        end = dt.datetime.fromisoformat(args.end)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if start.tzinfo is None or end.tzinfo is None or not start < end:
        print("error: --from and --to need a time zone, and --from must be before --to",
              file=sys.stderr)
        return EXIT_USAGE
    db = _open_db(args.db)
    header = export_scenario(db, _admin(), Path(args.file), start, end,
                             district=args.district)
    print(f"exported {header.name} -> {args.file}")
    return EXIT_OK


def cmd_add_calendar(args: argparse.Namespace) -> int:
    from models.core.workcalendar import calendar_files, install_calendar_file, user_calendar_dir

    notice, path, replaced = install_calendar_file(args.file)
    print(f"installed the {notice.year} working calendar ({len(notice.holidays)} holiday(s), "
          f"{len(notice.adjusted)} adjusted working day(s)) as {path}"
          + (" (replacing the one installed before)" if replaced else ""))
    user = user_calendar_dir()
    years = ", ".join(f"{y} ({'installed' if getattr(f, 'parent', None) == user else 'shipped'})"
                      for y, f in sorted(calendar_files().items()))
    print(f"working calendars: {years}; other years count weekends only")
    return EXIT_OK


COMMANDS = {"simulate": cmd_simulate, "import-cases": cmd_import_cases,
            "export-cases": cmd_export_cases, "demo": cmd_demo,
            "validate-grids": cmd_validate, "import-grids": cmd_import,
            "export-grids": cmd_export, "import-snaps": cmd_import_snaps,
            "replay": cmd_replay, "export-scenario": cmd_export_scenario,
            "register-sensors": cmd_register_sensors, "add-calendar": cmd_add_calendar,
            "dept-layers": cmd_dept_layers, "reconcile": cmd_reconcile, "serve": cmd_serve}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``main.py`` and the ``citygrid`` script.

    Log lines (the console's too: it starts from here) and the error printed on a failure
    carry no phone or ID number (:mod:`models.core.privacy`); a database error is named by its
    kind, never with the statement's parameters (which hold the rows' contents).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from models.core.errors import CityGridError, GridLayerError
    from models.core.privacy import install_log_masking, mask_personal_data

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    if args.command is None:
        from console.composition import run_gui

        return run_gui(args)
    try:
        return COMMANDS[args.command](args)
    except GridLayerError as exc:
        print(f"error: {mask_personal_data(exc.message)}", file=sys.stderr)
        for p in exc.problems:
            line = f"  {getattr(p, 'kind', '')}\t{getattr(p, 'message', p)}"
            print(mask_personal_data(line), file=sys.stderr)
        return EXIT_PROBLEMS
    except CityGridError as exc:
        print(f"error: {mask_personal_data(exc.message)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        if cause is exc:  # SQLAlchemy's own text ends in the SQL and its parameters
            first = first.split(" [SQL:")[0].split("(Background on")[0].strip()
        print(f"error: the database refused the operation ({type(exc).__name__}: "
              f"{mask_personal_data(first)})", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"error: {mask_personal_data(str(exc))}", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
