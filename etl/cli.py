"""The ETL's command line: generate, load and status."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import textwrap
import traceback
from datetime import date
from pathlib import Path

import settings
from etl.problems import InvalidInput, safe_text
from release import CertificationFailed

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_UNCERTIFIED = 0, 1, 2, 3
WORK_DB_HELP = ("indlæsningens egen database med sager og marts (peger); dashboardet åbner den aldrig "
                "(standard: load/<navn> ved siden af --db)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Indlæsning af data om ressourceforløb.")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="skriv det syntetiske standarddatasæt som kontraktfiler")
    gen.add_argument("--out", type=Path, required=True, help="mappe, der skal skrives til")
    gen.add_argument("--scale", type=float, default=1.0, help="skala (1 = kalibreret til de publicerede tal)")
    gen.add_argument("--seed", type=int, default=settings.DEFAULT_SEED)
    gen.add_argument(
        "--uden-effekter", "--no-effects", dest="no_effects", action="store_true",
        help="placebo: plant ingen effekter i kommunerne med bevilling (til kontrol af estimaterne)",
    )

    load = sub.add_parser("load", help="kontrollér og udgiv et datasæt som ny version af databasen")
    load.add_argument("paths", type=Path, nargs="+", help="mappe, projektmappe (.xlsx) eller filer")
    load.add_argument("--db", type=Path, default=settings.DB_PATH, help="den udgivne fil, som dashboardet læser (peger)")
    load.add_argument("--work-db", type=Path, help=WORK_DB_HELP)
    load.add_argument("--ignore-extra-columns", action="store_true", help="udelad ukendte kolonner bevidst")
    load.add_argument("--encoding", help="tegnkodning for CSV (ellers fundet automatisk)")
    load.add_argument("--pilot-start", type=date.fromisoformat, default=settings.PILOT_START)
    load.add_argument("--pilot-end", type=date.fromisoformat, default=settings.PILOT_END)

    status = sub.add_parser("status", help="vis den udgivne version og indlæsningens database")
    status.add_argument("--db", type=Path, default=settings.DB_PATH, help="den udgivne fil, som dashboardet læser (peger)")
    status.add_argument("--work-db", type=Path, help=WORK_DB_HELP)
    status.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code (0 ok, 2 invalid input, 3 release not certified,
    1 internal error)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            return _generate(args)
        if args.command == "load":
            return _load(args)
        return _status(args)
    except InvalidInput as exc:
        print(_rejection(exc, args), file=sys.stderr)
        return EXIT_INVALID
    except CertificationFailed as exc:
        print(f"{exc}\nDen udgivne database ({args.db}) er uændret.", file=sys.stderr)
        return EXIT_UNCERTIFIED
    except Exception as exc:  # anything else is not the file's fault
        print(_internal_error(exc, args), file=sys.stderr)
        if os.environ.get("RF_ETL_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL


# errno values of a write that found no room: disk full, file size limit, disk quota.
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_NO_ROOM_TEXT = ("no space left on device", "file too large", "disk quota exceeded", "not enough space")


def _no_room(exc: BaseException) -> bool:
    """True when the error, or one it came from, is a write that found no room on the disk."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:
            return True
        if any(text in str(exc).lower() for text in _NO_ROOM_TEXT):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _internal_error(exc: Exception, args) -> str:
    """An error that is not the input's fault, in Danish, in a few lines without a traceback
    (RF_ETL_DEBUG=1 prints it); the technical cause is masked like every other printed text."""
    where = getattr(args, "db", None)
    unchanged = f" Den udgivne database ({where}) er uændret." if args.command == "load" else ""
    cause = safe_text(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
    if _no_room(exc):
        return (f"Der er ikke plads på disken til indlæsningen, så den er afbrudt.{unchanged} "
                f"Frigør plads, og kør indlæsningen igen.\nTeknisk årsag: {cause[:300]}")
    return (f"Intern fejl i ETL'en (ikke en fejl i filerne).{unchanged}\n"
            f"Teknisk årsag: {cause[:300]}\nKør igen med RF_ETL_DEBUG=1 for at se hele forløbet.")


def _generate(args) -> int:
    from etl.generate import NO_EFFECTS, generate

    manifest = generate(args.out, scale=args.scale, seed=args.seed, effects=NO_EFFECTS if args.no_effects else None)
    rows = ", ".join(f"{k}: {v}" for k, v in manifest["row_counts"].items())
    kind = "Syntetisk placebo-datasæt uden plantede effekter" if args.no_effects else "Syntetisk datasæt"
    print(f"{kind} skrevet til {args.out} ({rows})")
    return EXIT_OK


def _load(args) -> int:
    from etl.load import STAGES, load

    kwargs = dict(
        ignore_extra_columns=args.ignore_extra_columns,
        encoding=args.encoding,
        pilot_window=(args.pilot_start, args.pilot_end),
        work_db=args.work_db,
    )
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("Indlæser", total=len(STAGES))

            def step(stage: str) -> None:
                bar.update(task, completed=STAGES.index(stage), description=stage.capitalize())

            result = load(args.paths, args.db, progress=step, **kwargs)
            bar.update(task, completed=len(STAGES))
    else:
        result = load(args.paths, args.db, **kwargs)
    rows = ", ".join(f"{k}: {_dk(v)}" for k, v in result.rows.items())
    kind = "syntetiske data" if result.synthetic else "data"
    print(f"Version {result.version} udgivet ({kind}; {rows}) -> {result.path}")
    print(f"Indlæsningens database (sager og marts; dashboardet åbner den ikke): {result.work_path}")
    print(_certificate_line(result.certificate.__dict__))
    for source in result.sources:
        if source["ignored_columns"]:
            print(safe_text(f"  {Path(source['file']).name}: udeladte kolonner {', '.join(source['ignored_columns'])}"))
    for warning in result.warnings:
        print(f"Advarsel: {safe_text(warning)}", file=sys.stderr)
    return EXIT_OK


def _status(args) -> int:
    from etl.status import read_status

    info = read_status(args.db, args.work_db)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, sort_keys=True))
        return EXIT_OK
    work = info["load"]
    if info["version"] is None:
        print(f"Ingen version er udgivet i {args.db}.")
    else:
        print(f"Dashboardet viser version {info['version']} "
              f"({'syntetiske data' if info['synthetic'] else 'rigtige data'})")
        print(f"Indlæst: {info['loaded_at']}")
        print(f"Udgivet fil: {info['file']}")
        served = info["served_tables"]
        listed = ", ".join(f"{t}\u00a0({_dk(n)})" for t, n in served.items())  # kept on one line
        print(textwrap.fill(f"{len(served)} tabeller (rækker): {listed}", width=100, initial_indent="  ",
                            subsequent_indent="    "))
        for problem in info["served_problems"]:
            print(f"  Advarsel: filen indeholder {problem}; indlæs data igen for at udgive en ren fil.")
        if info["certificate"] is None:
            print("Udgivelse: ingen (versionen er bygget før den beskyttede udgivelse)")
        else:
            print(_certificate_line(info["certificate"]))
        for table, n in info["tables"].items():
            print(f"  {table}: {_dk(n)} rækker indlæst")
        for source in info["sources"]:
            print(f"  {source['table']}: {source['file']} sha256={source['sha256']}")
    if work is None:
        print("Indlæsningens database: ingen endnu")
    else:
        print(f"Indlæsningens database (sager og marts; dashboardet åbner den ikke): version {work['version']}")
        print(f"  Fil: {work['file']}")
        if info["version"] is not None and work["version"] != info["version"]:
            print(f"  Bemærk: indlæsningens database er version {work['version']}, dashboardet viser version "
                  f"{info['version']}; en indlæsning blev afbrudt. Den næste indlæsning udgiver begge igen.")
    return EXIT_OK


def _certificate_line(c: dict) -> str:
    """The certificate in one Danish paragraph."""
    narrowest = ("intet skjult" if c["narrowest_cell"] is None else
                 f"smalleste interval {c['narrowest_high'] - c['narrowest_low']:g} bredt "
                 f"([{c['narrowest_low']:g}; {c['narrowest_high']:g}] for {c['narrowest_cell']})")
    return (f"Udgivelse certificeret (k = {c['k']}): {_dk(c['released_cells'])} udgivne celler, "
            f"{_dk(c['hidden_cells'])} skjult, {_dk(c['unreleased_cells'])} ikke udgivne, "
            f"{_dk(c['relations'])} relationer; angriberen med hele udgivelsen kan ikke indsnævre nogen "
            f"beskyttet celle under {c['k']} ({narrowest}); {_dk(c['linear_programs'])} lineære programmer, "
            f"{_dk_seconds(c['suppression_seconds'] + c['attack_seconds'])} s.")


def _dk_seconds(x: float) -> str:
    """Seconds the Danish way: '2,6'."""
    return f"{x:.1f}".replace(".", ",")


def _dk(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _rejection(exc: InvalidInput, args) -> str:
    where = getattr(args, "db", None)
    head = f"Indlæsningen er afvist: {_dk(exc.total)} problem{'er' if exc.total != 1 else ''} i inputtet."
    tail = f"Den udgivne database ({where}) er uændret." if where else ""
    return "\n".join(x for x in (head, exc.report(settings.MAX_PROBLEMS_LISTED), tail) if x)
