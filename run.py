#!/usr/bin/env python3
"""The two commands of the quick start, on a machine with Python 3.11+ (and PostgreSQL's
binaries, for the tests):

    python3 run.py demo     the service on the embedded SQLite, with demo data and tokens
    python3 run.py test     ruff, mypy --strict and the whole suite, on SQLite and on a
                            throwaway PostgreSQL the tests start themselves

Each makes ``.venv`` and installs the project into it from ``pyproject.toml`` (again
whenever that file changes). Arguments after the command go to ``infocap serve`` or to
pytest.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def python() -> str:
    return str(BIN / "python")


def ensure_installed(extra: str) -> None:
    if sys.version_info < (3, 11):
        raise SystemExit("infocap needs Python 3.11 or newer")
    if not BIN.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / ".infocap-installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"installing infocap{extra} into .venv …", flush=True)
    run([python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([python(), "-m", "pip", "install", "--quiet", "-e", f".{extra}"])
    stamp.write_text(wanted)


def run(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def demo(args: list[str]) -> None:
    ensure_installed("")
    os.execv(str(BIN / "infocap"), [str(BIN / "infocap"), "serve", "--demo", *args])


def test(args: list[str]) -> None:
    ensure_installed("[test]")
    run([python(), "-m", "ruff", "check", "."])
    run([python(), "-m", "ruff", "format", "--check", "."])
    run([python(), "-m", "mypy", "."])
    # The suite runs on every core (pytest-xdist); INFOCAP_TEST_WORKERS=1 runs it in one
    # process, or names another number of workers.
    workers = os.environ.get("INFOCAP_TEST_WORKERS", "auto")
    parallel = [] if workers == "1" else ["-n", workers]
    run([python(), "-m", "pytest", *parallel, *args])


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
