"""The ``turms`` command: serve, reload, store init/dump/restore, demo load, config show/check/docs, version.

Exit codes: 0 success; 1 a check failed (stale document) or a reload was refused; 2 bad usage or
configuration; others are the supervisor's (see ``turms.supervisor``).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import turms
from turms.settings import SettingsError, parse_flag
from turms.settings.render import render_markdown, render_toml

if TYPE_CHECKING:
    from turms.settings import Settings
    from turms.settings.registry import Registry

EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2

DOCS_PATH = Path("docs/configuration.md")
TOML_PATH = Path("conf/turms.toml")


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", "-c", metavar="PATH", help="TOML configuration file (or TURMS_CONFIG)")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set gateway.tcp.port=11511 (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="turms", description="turms-server: an instant-messaging engine")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (supervisor and workers)")
    _add_config_args(serve)
    serve.add_argument("--workers", type=int, metavar="N", help="worker processes (0: one per CPU)")
    serve.add_argument("--data-dir", metavar="DIR", help="data directory (server.data_dir)")
    serve.add_argument(
        "--demo", action="store_true", help="playground: load the demo dataset first (refused in production)"
    )

    reload = sub.add_parser(
        "reload",
        help="rolling reload of a running server: validate the configuration, signal, wait for the outcome",
    )
    _add_config_args(reload)
    reload.add_argument("--pid", type=int, help="the supervisor's pid (default: from server.pid_file)")
    reload.add_argument(
        "--timeout", type=float, default=80.0, metavar="S", help="give up waiting after S seconds (default 80)"
    )

    store = sub.add_parser(
        "store",
        aliases=["storage"],
        help="the store: one-time setup (init, sharding), logical dump and restore of MongoDB (mongodump's format)",
    )
    ssub = store.add_subparsers(dest="store_command", required=True)
    init = ssub.add_parser(
        "init", help="create the indexes; with --sharded, shard a MongoDB cluster first (docs/storage.md)"
    )
    _add_config_args(init)
    init.add_argument("--data-dir", metavar="DIR", help="data directory (server.data_dir)")
    init.add_argument("--sharded", action="store_true", help="shard the collections (MongoDB sharded cluster)")
    init.add_argument("--hot-shards", default="", metavar="A,B", help="shards of the `hot` zone (with --sharded)")
    init.add_argument("--cold-shards", default="", metavar="C,D", help="shards of the `cold` zone (with --sharded)")
    init.add_argument(
        "--dry-run", action="store_true", help="print the sharding commands (JSON, one a line); connect to nothing"
    )

    dump = ssub.add_parser("dump", help="write every collection of the configured MongoDB database to a directory")
    _add_config_args(dump)
    dump.add_argument("--out", required=True, metavar="DIR", help="directory to write <database>/<coll>.bson to")
    dump.add_argument("--uri", help="MongoDB URI (default: storage.mongo.uri / uri_file)")
    restore = ssub.add_parser("restore", help="insert a dump's documents into the configured MongoDB database")
    _add_config_args(restore)
    restore.add_argument("dir", metavar="DIR", help="a directory written by `turms store dump` or mongodump --out")
    restore.add_argument("--uri", help="MongoDB URI (default: storage.mongo.uri / uri_file)")
    restore.add_argument("--drop", action="store_true", help="empty each collection first (else: refuse non-empty)")

    demo = sub.add_parser("demo", help="the playground's demo dataset (docs/playground.md)")
    dsub = demo.add_subparsers(dest="demo_command", required=True)
    demo_load = dsub.add_parser("load", help="load the demo dataset into the configured store")
    _add_config_args(demo_load)
    demo_load.add_argument("--data-dir", metavar="DIR", help="data directory (server.data_dir)")
    demo_load.add_argument("--clear", action="store_true", help="delete everything in the store first")

    sub.add_parser("version", help="print the version")
    sub.add_parser("bench", help="run the benchmark harness (see `turms bench --help`)")

    config = sub.add_parser("config", help="inspect the configuration")
    csub = config.add_subparsers(dest="config_command", required=True)
    show = csub.add_parser("show", help="print the effective settings (secrets redacted) and their sources")
    _add_config_args(show)
    check = csub.add_parser("check", help="validate the configuration; non-zero exit on any problem")
    _add_config_args(check)
    docs = csub.add_parser("docs", help="print docs/configuration.md (or conf/turms.toml with --toml)")
    docs.add_argument("--toml", action="store_true", help="print the default configuration file instead")
    docs.add_argument(
        "--check",
        action="store_true",
        help="compare with the committed docs/configuration.md and conf/turms.toml; exit 1 if stale",
    )
    docs.add_argument("--write", action="store_true", help="write docs/configuration.md and conf/turms.toml in place")
    docs.add_argument(
        "--installed-plugins",
        action="store_true",
        help="also document the settings of the installed third-party plugins (not with --check or --write: "
        "the committed documents describe the in-box plugins only)",
    )
    return parser


def _flags(args: argparse.Namespace) -> list[tuple[str, str]]:
    flags = [parse_flag(s) for s in args.sets]
    if getattr(args, "workers", None) is not None:
        flags.append(("server.workers", str(args.workers)))
    if getattr(args, "data_dir", None):
        flags.append(("server.data_dir", args.data_dir))
    return flags


def documented_registry(*, installed_plugins: bool = False) -> Registry:
    """The registry the configuration documents describe: every core setting and the in-box plugins' (with
    ``installed_plugins``, the installed third-party plugins' too)."""
    from turms.plugins import loader

    return loader.discover(installed=installed_plugins).registry()


def generated_documents() -> dict[Path, str]:
    """What ``turms config docs --write`` writes, by path."""
    registry = documented_registry()
    return {DOCS_PATH: render_markdown(registry), TOML_PATH: render_toml(registry)}


def _load(args: argparse.Namespace, flags: list[tuple[str, str]] | None = None) -> Settings:
    """The configuration, with the installed plugins' settings known."""
    from turms.plugins import loader

    return loader.load_settings(args.config, catalog=loader.discover(), flags=_flags(args) if flags is None else flags)


def _config_docs(args: argparse.Namespace) -> int:
    if args.installed_plugins and (args.check or args.write):
        print("turms: --installed-plugins cannot be used with --check or --write", file=sys.stderr)
        return EXIT_USAGE
    if args.installed_plugins:
        registry = documented_registry(installed_plugins=True)
        generated = {DOCS_PATH: render_markdown(registry), TOML_PATH: render_toml(registry)}
    else:
        generated = generated_documents()
    if args.check:
        stale = [str(p) for p, text in generated.items() if not p.exists() or p.read_text() != text]
        if stale:
            print(f"stale: {', '.join(stale)}; regenerate with `turms config docs --write`", file=sys.stderr)
            return EXIT_CHECK_FAILED
        print("docs/configuration.md and conf/turms.toml are current")
        return 0
    if args.write:
        for path, text in generated.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
        return 0
    sys.stdout.write(generated[TOML_PATH] if args.toml else generated[DOCS_PATH])
    return 0


def _store(args: argparse.Namespace) -> int:
    from turms.settings import storage
    from turms.storage.errors import StorageError
    from turms.storage.mongo_dump import dump, restore

    settings = _load(args)
    uri = args.uri or storage.mongo_uri(settings)
    if not uri:
        print("turms store: no MongoDB configured (storage.mongo.uri); back up SQLite with sqlite3 .backup")
        return EXIT_USAGE
    database = settings.get(storage.MONGO_DATABASE)
    try:
        if args.store_command == "dump":
            counts = dump(uri, database, Path(args.out))
        else:
            counts = restore(uri, database, Path(args.dir), drop=args.drop)
    except StorageError as e:
        print(f"turms store {args.store_command}: {e}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    verb = "dumped" if args.store_command == "dump" else "restored"
    print(f"{verb} {sum(counts.values())} documents in {len(counts)} collections")
    return 0


def _reload(args: argparse.Namespace) -> int:
    from turms.supervisor.checks import check_secret_files
    from turms.supervisor.reload_status import pid_from_file, request_reload, status_path

    try:
        settings = _load(args)
        check_secret_files(settings)
    except SettingsError as e:
        # Refused before any signal: the running server keeps its configuration.
        print(f"turms reload: configuration error, nothing reloaded: {e}", file=sys.stderr)
        return EXIT_USAGE
    pid = args.pid or pid_from_file(settings)
    if not pid:
        print("turms reload: no --pid and no readable server.pid_file", file=sys.stderr)
        return EXIT_USAGE
    return request_reload(
        pid,
        status_path(settings),
        timeout_s=args.timeout,
        out=lambda line: print(f"turms reload: {line}", file=sys.stderr),
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the harness has its own command line
        from turms.bench.cli import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command != "serve" and hasattr(signal, "SIGPIPE"):
        # A one-shot command piped into `head` stops quietly when the reader goes, as `cat` does; the server
        # keeps Python's default (SIGPIPE ignored) so that a closed client socket is an error, not a death.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        if args.command == "version":
            print(f"turms-server {turms.__version__}")
            return 0
        if args.command == "config":
            if args.config_command == "docs":
                return _config_docs(args)
            settings = _load(args)
            if args.config_command == "check":
                print("configuration is valid")
                return 0
            for key, value in settings.as_dict().items():
                print(f"{key} = {value!r}  # {settings.source(key)}")
            return 0
        if args.command == "serve":
            flags = _flags(args)
            # serve() reads and validates the configuration first (exit 2 on a problem, as here), once.
            if args.demo:
                from turms.demo import production_reason

                reason = production_reason(_load(args, flags))
                if reason is not None:
                    print(f"turms: --demo refused on a production deployment: {reason}", file=sys.stderr)
                    return EXIT_USAGE
            from turms.supervisor import serve

            return serve(args.config, flags, demo=args.demo)
        if args.command == "reload":
            return _reload(args)
        if args.command in ("store", "storage"):
            if args.store_command == "init":
                from turms.storage.init import run as store_init

                return store_init(
                    _load(args),
                    sharded=args.sharded,
                    hot_shards=[x for x in args.hot_shards.split(",") if x],
                    cold_shards=[x for x in args.cold_shards.split(",") if x],
                    dry_run=args.dry_run,
                )
            return _store(args)
        if args.command == "demo":
            from turms.demo import run as demo_run

            return demo_run(_load(args), clear=args.clear)
    except SettingsError as e:
        print(f"turms: configuration error: {e}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
