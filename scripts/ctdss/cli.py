"""The `ctdss` command line: a thin layer over the library. Errors a user can hit print one paragraph."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import textwrap
from pathlib import Path

from ctdss import config
from ctdss.cli_parser import CommandParser
from ctdss.errors import UserError
from ctdss.spark import cli as spark_cli


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="ctdss", description="Load Connecticut DSS participation datasets from Socrata into DuckDB."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {importlib.metadata.version('ctdss')}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_loading_parsers(sub)
    _add_onboarding_parsers(sub)
    _add_build_parsers(sub)
    _add_delivery_parsers(sub)
    spark_cli.add_parsers(sub)
    return parser


def _add_loading_parsers(sub: argparse._SubParsersAction) -> None:
    load = sub.add_parser("load", help="land the registered datasets in the warehouse's raw schema")
    load.add_argument("--snapshot", type=Path, help="land from a snapshot directory instead of the portal")
    load.add_argument("--dataset", action="append", metavar="ID", help="only this dataset (repeatable)")
    load.add_argument("--force", action="store_true", help="reload even if rowsUpdatedAt is unchanged")
    load.add_argument("--full", action="store_true", help="re-pull window-refreshed datasets in full")
    load.add_argument("--require-all", action="store_true",
                      help="fail, loading nothing, when the snapshot lacks a registered dataset")
    load.add_argument("--db", type=Path, help="the DuckDB file (default: $CTDSS_DB or warehouse/ct_dss.duckdb)")
    load.add_argument("--portal", help="the Socrata portal (default: $CTDSS_PORTAL or https://data.ct.gov)")

    extract = sub.add_parser("extract", help="write a snapshot of the registered datasets from the portal")
    extract.add_argument("--out", type=Path, required=True, help="the snapshot directory to write")
    extract.add_argument("--dataset", action="append", metavar="ID", help="only this dataset (repeatable)")
    extract.add_argument("--portal", help="the Socrata portal (default: $CTDSS_PORTAL or https://data.ct.gov)")

    unmapped = sub.add_parser("unmapped", help="after a failed dbt build, print the names no alias seed maps")
    unmapped.add_argument("--target-path", type=Path, help="dbt's target path (default: $DBT_TARGET_PATH or target)")
    unmapped.add_argument("--db", type=Path, help="the DuckDB file dbt built (default: $CTDSS_DB)")

    sample = sub.add_parser("sample", help="write the deterministic synthetic sample snapshot")
    sample.add_argument("--out", type=Path, required=True)


def _add_onboarding_parsers(sub: argparse._SubParsersAction) -> None:
    discover = sub.add_parser(
        "discover", help="list the portal's DSS enrolment datasets and whether the registry has them",
        description="List the portal's datasets through Socrata's Discovery API (/api/catalog/v1): id, title, "
        "last update, column field names, and the registry kind each one is registered under, if any. Reads only.",
    )
    tag = config.DEFAULT_CATALOGUE_TAG
    discover.add_argument("--tag", default=tag, help=f'the portal tag to list (default: "{tag}"); "" for none')
    discover.add_argument("--query", metavar="TEXT", help="a full-text search (titles, descriptions, columns)")
    discover.add_argument("--portal", help="the Socrata portal (default: $CTDSS_PORTAL or https://data.ct.gov)")
    discover.add_argument("--json", action="store_true", help="print JSON instead of text")

    inspect = sub.add_parser(
        "inspect", help="propose the registry entry and the alias rows for one dataset",
        description="Read /api/views/ID.json, propose a role for each column from its name and data type, ask the "
        "portal for the distinct values of each name-like column ($group), and print a registry entry ready to "
        "paste (under the kind it fits, or as a new kind) and the alias seed rows for every spelling the seeds "
        "do not map yet. A column it cannot place is listed as unplaced. Reads only; edits no file.",
    )
    inspect.add_argument("id", metavar="ID", help="the dataset's 4x4 id, e.g. g7bd-zbqw")
    inspect.add_argument("--portal", help="the Socrata portal (default: $CTDSS_PORTAL or https://data.ct.gov)")
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_check_parser(sub)
    _add_portal_parser(sub)


def _add_check_parser(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "check", help="check every registered dataset against the portal before a load",
        description="For each registered dataset: whether the portal serves it (403: private or withdrawn; 404: "
        "wrong id or removed), whether every registry field is still served and, where one is not, which served "
        "field takes its place, whether its kind still fits, the spellings of its name-like columns the seeds do "
        "not map, its rowsUpdatedAt and row count, and whether it would load as it stands. Reads only, unless "
        "--apply. Exits 1 when a load would fail.",
    )
    check.add_argument("--portal", help="the Socrata portal (default: $CTDSS_PORTAL or https://data.ct.gov)")
    check.add_argument("--dataset", action="extend", nargs="+", metavar="ID", help="only these datasets")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.add_argument("--apply", action="store_true",
                       help="write the unambiguous field renames into the registry and the alias rows whose target "
                            "a close spelling names into their seeds, and print the diff; never anything ambiguous")


def _add_portal_parser(sub: argparse._SubParsersAction) -> None:
    portal = sub.add_parser("portal", help="run a local Socrata portal serving a snapshot, to try onboarding on")
    portal_actions = portal.add_subparsers(dest="portal_command", required=True)
    serve = portal_actions.add_parser(
        "serve", help="serve a snapshot (default: the bundled synthetic sample) as a Socrata portal until interrupted",
        description="Serve a snapshot directory on 127.0.0.1 the way a Socrata portal does (/api/views, /resource "
        "with SoQL, /api/catalog/v1), so that discover, inspect, check, extract and load can be tried offline. "
        "Prints the portal's URL, then serves until interrupted (Ctrl-C).",
    )
    serve.add_argument("--snapshot", type=Path, help="the snapshot directory (default: data/sample)")
    serve.add_argument("--port", type=int, default=0, help="the port (default: any free one)")


def _add_build_parsers(sub: argparse._SubParsersAction) -> None:
    build = sub.add_parser("build", help="dbt build: only what changed since the last successful build, else all",
                           description="Run `dbt build` on what changed since the last successful build (code, "
                           "seeds or landed data), or on everything when there is no usable record of one.")
    build.add_argument("--full", action="store_true", help="build everything, whatever the last build's state")
    build.add_argument("--state", type=Path, help="the last build's state (default: $CTDSS_STATE_DIR)")

    generate = sub.add_parser("generate",
                              help="write the dbt models and checks every dataset kind shares (the registry's)")
    generate.add_argument("--check", action="store_true", help="write nothing; fail if a generated file is out of date")


def _add_delivery_parsers(sub: argparse._SubParsersAction) -> None:
    publish = sub.add_parser("publish", help="publish the analysts' file (marts and reports) and the public release "
                                             "(suppressed reports only), read-only files BI tools open")
    publish.add_argument("--db", type=Path, help="the working DuckDB file")
    publish.add_argument("--out", type=Path, help="the analysts' DuckDB file (default: $CTDSS_ANALYSTS_DB)")
    publish.add_argument("--exports", type=Path, help="the folder for the analysts' Parquet and CSV exports")
    publish.add_argument("--public", type=Path, help="the public release's DuckDB file (default: $CTDSS_PUBLIC_DB)")
    publish.add_argument("--public-exports", type=Path, help="the folder for the public release's exports")
    publish.add_argument("--changed", action="store_true",
                         help="rewrite only the tables the last build rewrote in the analysts' file (the others "
                              "are kept from it); the public release is written whole")

    lineage = sub.add_parser("lineage", help="trace every column to its portal field; write marts.column_lineage")
    lineage.add_argument("--manifest", type=Path,
                         help="dbt's manifest (default: $DBT_TARGET_PATH/manifest.json, or target/)")
    lineage.add_argument("--db", type=Path, help="the working DuckDB file to write marts.column_lineage into")
    lineage.add_argument("--column", metavar="SCHEMA.MODEL.COLUMN", help="print one column's whole path as a tree")
    lineage.add_argument("--all", action="store_true", help="with --column: also show columns that only decide "
                                                            "a condition (tested)")
    lineage.add_argument("--docs", action="store_true", help="also add each published column's path to the docs "
                                                             "site in the manifest's folder")
    lineage.add_argument("--again", action="store_true", help="trace even when the table was traced from the same "
                                                              "code, registry and tracer (it is kept otherwise)")

    audit = sub.add_parser(
        "audit", help="attack the published tables as an attacker would; write qa.qa_disclosure_intervals",
        description="Read every published rpt_ table and the truth (qa.qa_disclosure_cells) from the working "
        "file, work out by linear programming the interval each masked cell keeps against an attacker who knows "
        "every published value and how the tables add up, write them to qa.qa_disclosure_intervals and print a "
        "summary. Fails when a sensitive masked cell can be narrowed below the threshold.",
    )
    audit.add_argument("--db", type=Path, help="the working DuckDB file (default: $CTDSS_DB)")
    audit.add_argument("--threshold", type=int, help="the suppression threshold (default: the dbt var "
                                                     "suppression_threshold in dbt_project.yml)")

    report = sub.add_parser("report", help="write the static participation report site")
    report.add_argument("--db", type=Path, help="the public release's DuckDB file (default: $CTDSS_PUBLIC_DB)")
    report.add_argument("--out", type=Path,
                        help="the folder to write (default: $CTDSS_REPORT or warehouse/public/report)")


def _portal_source(portal: str | None):
    from ctdss.load.portal import PortalSource

    return PortalSource(portal or config.portal_url(), config.app_token())


def cmd_load(args: argparse.Namespace) -> int:
    from ctdss.load.loader import load
    from ctdss.load.progress import Progress
    from ctdss.load.snapshot import SnapshotSource
    from ctdss.load.warehouse import Status
    from ctdss.registry import load_registry

    registry = load_registry()
    registry.select(args.dataset)  # fail on an unknown id before any request
    source = SnapshotSource(args.snapshot) if args.snapshot else _portal_source(args.portal)
    db = args.db or config.warehouse_path()
    try:
        outcomes = load(registry, source, db, dataset_ids=args.dataset, force=args.force, full=args.full,
                        progress=Progress("load"), require_all=args.require_all)
    finally:
        source.close()
    failed = [o for o in outcomes if o.status is Status.FAILED]
    errors = list(dict.fromkeys(o.error or "failed" for o in failed))
    for error in errors:
        _print_error(error)
    if len(errors) > 1:
        _print_error(
            f"{len(failed)} of {len(outcomes)} dataset(s) failed to load; their previous data in {db} is "
            f"unchanged and raw._load_audit records why."
        )
    return 1 if failed else 0


def cmd_extract(args: argparse.Namespace) -> int:
    from ctdss.load.progress import Progress
    from ctdss.load.snapshot import extract
    from ctdss.registry import load_registry

    registry = load_registry()
    datasets = registry.select(args.dataset)
    source = _portal_source(args.portal)
    progress = Progress("extract")
    try:
        counts = extract(source, datasets, args.out, progress, registry.path)
    finally:
        source.close()
    if progress.tty:
        sys.stderr.write("\n")
    for ds_id, rows in counts.items():
        print(f"command=extract dataset={ds_id} rows={rows} out={args.out}")
    return 0


def cmd_unmapped(args: argparse.Namespace) -> int:
    from ctdss.build.failures import all_mapped, explain, unmapped

    target = args.target_path or config.dbt_target_path()
    message = explain(unmapped(target, args.db or config.warehouse_path()))
    if message:
        _print_error(message)
    else:
        print(all_mapped(target))
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from ctdss.onboard.onboarding import discover
    from ctdss.onboard.output import discovery_json, discovery_text
    from ctdss.registry import load_registry

    registry = load_registry()
    source = _portal_source(args.portal)
    try:
        found = discover(source, registry, args.tag or None, args.query)
    finally:
        source.close()
    print(discovery_json(found) if args.json else discovery_text(found))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from ctdss.onboard.onboarding import inspect_dataset
    from ctdss.onboard.output import inspection_json, inspection_text
    from ctdss.registry import load_registry

    registry = load_registry()
    source = _portal_source(args.portal)
    try:
        found = inspect_dataset(source, registry, args.id)
    finally:
        source.close()
    print(inspection_json(found) if args.json else inspection_text(found))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ctdss.onboard.check import check_registry
    from ctdss.onboard.check_apply import apply
    from ctdss.onboard.check_output import check_json, check_text
    from ctdss.registry import load_registry

    registry = load_registry()
    registry.select(args.dataset)  # fail on an unknown id before any request
    source = _portal_source(args.portal)
    try:
        found = check_registry(source, registry, args.dataset)
    finally:
        source.close()
    applied = apply(found) if args.apply else None
    print(check_json(found, applied) if args.json else check_text(found, applied))
    return 1 if [c for c in found.datasets if not (applied.loads(c) if applied else c.loads)] else 0


def cmd_portal(args: argparse.Namespace) -> int:
    from ctdss.onboard.local_portal import serve

    return serve(args.snapshot, args.port)


def cmd_sample(args: argparse.Namespace) -> int:
    from ctdss.sample import generate

    generate(args.out)
    print(f"Wrote the synthetic sample snapshot to {args.out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ctdss.build.runner import build

    print(build(config.warehouse_path(), args.state or config.state_dir(), full=args.full))
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from ctdss.build import generate

    changed = (generate.differences if args.check else generate.write)(config.PROJECT_ROOT)
    for path in changed:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    if args.check and changed:
        raise UserError(f"{len(changed)} generated file(s) differ from what the registry gives (listed above). Run "
                        f"`make generate` and commit the result, rather than editing a generated file by hand.")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from ctdss.build.runner import read_relations
    from ctdss.deliver import public_release, publish

    result = publish.publish(
        args.db or config.warehouse_path(),
        args.out or config.analysts_path(),
        args.exports or config.analysts_exports_dir(),
        built=read_relations(config.state_dir()) if args.changed else None,
    )
    print(result)
    print(public_release.release(result.published, args.public or config.public_path(),
                                 args.public_exports or config.public_exports_dir()))
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    import ctdss.lineage as lineage
    from ctdss.lineage.render import tree_text

    manifest = args.manifest or config.dbt_target_path() / "manifest.json"
    if args.column:
        traced = lineage.load_lineage(manifest)
        print(tree_text(traced, lineage.find_column(traced, args.column), include_tested=args.all))
        return 0
    result = lineage.run(manifest, args.db or config.warehouse_path(), keep_current=not (args.again or args.docs))
    print(result)
    if args.docs:
        from ctdss.lineage.docs import annotate_docs

        count = annotate_docs(result.lineage, manifest.parent)
        print(f"Added the lineage of {count} published columns to the docs site in {manifest.parent}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from ctdss.build.runner import project_vars
    from ctdss.disclosure import audit

    threshold = args.threshold if args.threshold is not None else int(project_vars()["suppression_threshold"])
    result = audit.run(args.db or config.warehouse_path(), threshold)
    print(result)
    audit.check(result)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ctdss import report

    print(report.write_site(args.db or config.public_path(), args.out or config.report_path()))
    return 0


COMMANDS = {
    "load": cmd_load,
    "extract": cmd_extract,
    "unmapped": cmd_unmapped,
    "discover": cmd_discover,
    "inspect": cmd_inspect,
    "check": cmd_check,
    "portal": cmd_portal,
    "build": cmd_build,
    "generate": cmd_generate,
    "sample": cmd_sample,
    "publish": cmd_publish,
    "lineage": cmd_lineage,
    "audit": cmd_audit,
    "report": cmd_report,
    **spark_cli.COMMANDS,
}


def _print_error(message: str) -> None:
    width = max(60, min(110, os.get_terminal_size(sys.stderr.fileno()).columns if sys.stderr.isatty() else 110))
    # Paths, 4x4 ids and field names stay whole, so that one copied from the message still names the thing.
    sys.stderr.write("ctdss: " + textwrap.fill(message, width=width - 7, subsequent_indent="       ",
                                               break_on_hyphens=False, break_long_words=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        _print_error(str(exc))
        return 2
    except KeyboardInterrupt:
        _print_error("Interrupted. Datasets not yet committed were rolled back; their previous data is unchanged.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
