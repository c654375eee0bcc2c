"""systemd/install.sh's package step, run for real into a staging root (DESTDIR): a wheel and its lock become
a release of their own under /opt/turms/releases, /opt/turms/venv switches to it in one rename, --activate
switches back (a rollback), and a failed install leaves the running release as it was. Nothing is looked up
on a package index: the wheel is a file, the lock is installed with --require-hashes.

The wheel here is a minimal one whose `turms` command prints a version: this checks the installer's logic.
The real wheel with the real lock is built, installed into a clean venv and run by scripts/build_dist.sh
(part of scripts/test.sh)."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from deploy_support import SYSTEMD_DIR

pytestmark = [pytest.mark.timeout(120)]


def _wheel(directory: Path, version: str, salt: str = "") -> Path:
    """A turms_server wheel with a `turms` console script answering `turms version`."""
    name = f"turms_server-{version}-py3-none-any.whl"
    dist_info = f"turms_server-{version}.dist-info"
    files = {
        "turms_stub/__init__.py": f"VERSION = {version!r}  # {salt}\n",
        "turms_stub/cli.py": (
            "import sys\nfrom turms_stub import VERSION\n\n"
            "def main():\n    print(f'turms-server {VERSION}')\n    return 0\n"
        ),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: turms-server\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist_info}/entry_points.txt": "[console_scripts]\nturms = turms_stub.cli:main\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    path = directory / name
    with zipfile.ZipFile(path, "w") as z:
        for member, text in files.items():
            z.writestr(member, text)
    return path


def _install(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DESTDIR": str(root), **(env or {})}
    return subprocess.run(
        ["bash", str(SYSTEMD_DIR / "install.sh"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def _active(root: Path) -> str:
    link = root / "opt/turms/venv"
    assert link.is_symlink()
    return os.readlink(link)


def _version(root: Path) -> str:
    proc = subprocess.run(
        [str(root / "opt/turms/venv/bin/turms"), "version"], capture_output=True, text=True, timeout=30, check=True
    )
    return proc.stdout.strip()


def test_a_release_per_wheel_switched_atomically_and_rolled_back(tmp_path: Path) -> None:
    root = tmp_path / "root"
    lock = tmp_path / "runtime.lock"
    lock.write_text("# no dependency: the stand-in wheel needs none\n")
    first = _wheel(tmp_path, "0.1.0")
    done = _install(root, "--wheel", str(first), "--lock", str(lock), "--no-start")
    assert done.returncode == 0, done.stderr
    digest1 = hashlib.sha256(first.read_bytes()).hexdigest()[:12]
    assert _active(root) == f"releases/0.1.0-{digest1}/venv"
    assert _version(root) == "turms-server 0.1.0"
    release1 = root / f"opt/turms/releases/0.1.0-{digest1}"
    assert (release1 / first.name).read_bytes() == first.read_bytes()
    assert (release1 / "runtime.lock").read_text() == lock.read_text()

    (tmp_path / "next").mkdir()
    second = _wheel(tmp_path / "next", "0.2.0")
    done = _install(root, "--wheel", str(second), "--lock", str(lock), "--no-start")
    assert done.returncode == 0, done.stderr
    digest2 = hashlib.sha256(second.read_bytes()).hexdigest()[:12]
    assert _active(root) == f"releases/0.2.0-{digest2}/venv"
    assert _version(root) == "turms-server 0.2.0"
    assert (release1 / "venv/bin/turms").exists()  # the previous release is kept for a rollback

    done = _install(root, "--activate", f"0.1.0-{digest1}", "--no-start")
    assert done.returncode == 0, done.stderr
    assert _version(root) == "turms-server 0.1.0"
    assert _install(root, "--activate", "9.9.9-000000000000", "--no-start").returncode == 2
    assert _version(root) == "turms-server 0.1.0"


def test_a_failed_install_leaves_the_running_release_alone(tmp_path: Path) -> None:
    root = tmp_path / "root"
    lock = tmp_path / "runtime.lock"
    lock.write_text("")
    good = _wheel(tmp_path, "0.1.0")
    assert _install(root, "--wheel", str(good), "--lock", str(lock), "--no-start").returncode == 0
    before = _active(root)

    (tmp_path / "bad").mkdir()
    bad = _wheel(tmp_path / "bad", "0.2.0")
    bad_lock = tmp_path / "bad.lock"
    # A pin whose hash nothing matches: pip refuses, the release is not switched and no half release remains.
    bad_lock.write_text("six==1.16.0 --hash=sha256:" + "0" * 64 + "\n")
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path / "empty-wheelhouse")}
    done = _install(root, "--wheel", str(bad), "--lock", str(bad_lock), "--no-start", env=env)
    assert done.returncode != 0
    assert _active(root) == before
    assert sorted(p.name for p in (root / "opt/turms/releases").iterdir()) == [before.split("/")[1]]


@pytest.mark.parametrize(
    "args",
    [
        ("--no-start",),  # neither a wheel nor --activate nor --no-pip
        ("--wheel", "{wheel}", "--no-start"),  # a wheel without its lock
        ("--wheel", "{other}", "--lock", "{lock}", "--no-start"),  # not a turms-server wheel
        ("--package", "turms-server==0.1.0"),  # installing by name is gone
    ],
)
def test_what_install_sh_refuses(tmp_path: Path, args: tuple[str, ...]) -> None:
    wheel = _wheel(tmp_path, "0.1.0")
    other = tmp_path / "something_else-1.0-py3-none-any.whl"
    other.write_bytes(wheel.read_bytes())
    lock = tmp_path / "runtime.lock"
    lock.write_text("")
    values = {"{wheel}": str(wheel), "{other}": str(other), "{lock}": str(lock)}
    done = _install(tmp_path / "root", *(values.get(a, a) for a in args))
    assert done.returncode == 2, done.stderr
    assert not (tmp_path / "root/opt/turms/releases").exists()
