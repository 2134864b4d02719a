"""The command line: ``python main.py [COMMAND] [--db URL]``.

Without a command the console window opens. Commands are thin: they parse arguments, call
a service of :mod:`models` as the local administrator, print the outcome and exit with 0
(success), 1 (the input has problems; nothing written) or 2 (usage error).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

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
    parser.add_argument("--no-demo", action="store_true",
                        help="do not build the demo city into an empty database at start")
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
    _add_db(p)

    p = sub.add_parser("import-cases",
                       help="import cases from CSV (UTF-8 or GBK) or Open311 GeoReport v2 JSON")
    p.add_argument("file", help=".csv or .json")
    _add_db(p)
    p = sub.add_parser("export-cases", help="export every case as Open311 GeoReport v2 JSON")
    p.add_argument("file", help="output .json")
    _add_db(p)
    return parser


def _admin():
    from models.auth import Actor

    return Actor.system("cli")


def _open_db(url: str | None):
    from models.db import Database

    return Database.open(url)


def cmd_demo(args: argparse.Namespace) -> int:
    from models.democity import build_demo_city, seed_demo_cases

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
    from models.geo import Datum
    from models.gridio import validate_file

    datum = Datum.parse(args.datum) if args.datum else None
    db = _open_db(args.db) if args.db else None
    problems = validate_file(args.file, datum=datum, db=db)
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
    from models.geo import Datum
    from models.gridio import import_grids

    datum = Datum.parse(args.datum) if args.datum else None
    summary = import_grids(_open_db(args.db), _admin(), args.file, datum=datum,
                           replace=args.replace)
    print(f"imported {args.file} (datum {summary.source_datum}): {summary.inserted} new, "
          f"{summary.updated} replaced")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from models.gridio import export_grids

    n = export_grids(_open_db(args.db), _admin(), args.file)
    print(f"exported {n} grids to {args.file}")
    return EXIT_OK


def cmd_import_cases(args: argparse.Namespace) -> int:
    from models.caseio import import_cases
    from models.errors import ValidationError
    from models.gridindex import GridIndex

    db = _open_db(args.db)
    try:
        n = import_cases(db, _admin(), args.file, locate=GridIndex.from_db(db).locate)
    except ValidationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for row, message in exc.details.get("problems", []):
            print(f"  row {row}: {message}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"imported {n} cases from {args.file}")
    return EXIT_OK


def cmd_export_cases(args: argparse.Namespace) -> int:
    from models.caseio import export_cases

    n = export_cases(_open_db(args.db), _admin(), args.file)
    print(f"exported {n} cases to {args.file} (Open311 GeoReport v2, phones masked)")
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace) -> int:
    import datetime as dt

    from models.simulator import CitySimulator

    if not args.hours > 0:
        print("error: --hours must be positive", file=sys.stderr)
        return EXIT_USAGE
    db = _open_db(args.db)
    start = dt.datetime.now(dt.UTC)
    sim = CitySimulator(db, seed=args.seed, start=start, surge=args.surge)
    t0 = time.perf_counter()
    stats = sim.run_until(start + dt.timedelta(hours=args.hours))
    took = time.perf_counter() - t0
    print(f"simulated {args.hours:g} h in {took:.1f} s: {stats['reported']} events reported, "
          f"{stats['advanced']} steps taken, {stats['waiting']} cases waiting for their next step")
    return EXIT_OK


COMMANDS = {"simulate": cmd_simulate, "import-cases": cmd_import_cases, "export-cases": cmd_export_cases,
            "demo": cmd_demo, "validate-grids": cmd_validate, "import-grids": cmd_import,
            "export-grids": cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``main.py`` and the ``citygrid`` script."""
    from models.errors import CityGridError, GridLayerError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        from console.app import run_gui

        return run_gui(args)
    try:
        return COMMANDS[args.command](args)
    except GridLayerError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for p in exc.problems:
            print(f"  {getattr(p, 'kind', '')}\t{getattr(p, 'message', p)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except CityGridError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
