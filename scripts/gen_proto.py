#!/usr/bin/env python3
"""Regenerate the client-protocol code and the status-code tables from their sources.

Sources: ``proto/turms/protocol/pb/*.proto`` and ``turms/protocol/status.py``.
Outputs (committed): ``turms/protocol/pb/*_pb2.py``, ``*_pb2.pyi``, ``turms/protocol/pb/__init__.py`` and the
generated section of ``docs/protocol.md``.

Usage (from anywhere)::

    .venv/bin/python scripts/gen_proto.py          # rewrite the outputs
    .venv/bin/python scripts/gen_proto.py --check  # exit 1 if any committed output is stale

The output depends on the protoc bundled with ``grpcio-tools``; regenerate with the version the project pins.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PB_REL = Path("turms/protocol/pb")
DOC = ROOT / "docs" / "protocol.md"
DOC_BEGIN = "<!-- BEGIN GENERATED: status codes (scripts/gen_proto.py) -->"
DOC_END = "<!-- END GENERATED: status codes -->"

INIT_TEXT = '''"""Generated protobuf modules of the client protocol (package ``im.turms.proto``).

Do not edit: the sources are ``proto/turms/protocol/pb/*.proto``; regenerate with
``.venv/bin/python scripts/gen_proto.py``.
"""
'''


def proto_files() -> list[str]:
    return sorted(p.relative_to(PROTO_ROOT).as_posix() for p in (PROTO_ROOT / PB_REL).glob("*.proto"))


def generate(out_root: Path) -> None:
    """Run protoc for every .proto into ``out_root`` (which receives ``turms/protocol/pb/...``)."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    (out_root / PB_REL).mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        *proto_files(),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    (out_root / PB_REL / "__init__.py").write_text(INIT_TEXT, encoding="utf-8")


def generated_files(root: Path) -> dict[str, bytes]:
    """Relative path -> content of every generated file under ``root``."""
    pb = root / PB_REL
    found: dict[str, bytes] = {}
    if not pb.is_dir():
        return found
    for p in sorted(pb.iterdir()):
        if p.name == "__init__.py" or p.name.endswith(("_pb2.py", "_pb2.pyi")):
            found[(PB_REL / p.name).as_posix()] = p.read_bytes()
    return found


def render_doc(current: str) -> str:
    """``current`` with the generated status-code section replaced by a fresh one."""
    sys.path.insert(0, str(ROOT))
    from turms.protocol.status import markdown_tables

    start = current.find(DOC_BEGIN)
    end = current.find(DOC_END)
    if start < 0 or end < start:
        raise SystemExit(f"{DOC.relative_to(ROOT)}: the markers {DOC_BEGIN!r} ... {DOC_END!r} are missing")
    return current[: start + len(DOC_BEGIN)] + "\n\n" + markdown_tables() + "\n" + current[end:]


def check() -> int:
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        fresh = generated_files(Path(tmp))
    committed = generated_files(ROOT)
    for name in sorted(fresh.keys() | committed.keys()):
        if fresh.get(name) != committed.get(name):
            stale.append(name)
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if not doc or render_doc(doc) != doc:
        stale.append(DOC.relative_to(ROOT).as_posix())
    if stale:
        print(
            "generated protocol files are stale (run: .venv/bin/python scripts/gen_proto.py):",
            file=sys.stderr,
        )
        for name in stale:
            print(f"  {name}", file=sys.stderr)
        return 1
    print("generated protocol files are up to date")
    return 0


def write() -> int:
    for stale in (ROOT / PB_REL).glob("*_pb2.py*"):
        stale.unlink()
    generate(ROOT)
    DOC.write_text(render_doc(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"generated {len(generated_files(ROOT))} files under {PB_REL} and refreshed {DOC.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="verify instead of writing; exit 1 when stale")
    ns = parser.parse_args(argv)
    return check() if ns.check else write()


if __name__ == "__main__":
    sys.exit(main())
