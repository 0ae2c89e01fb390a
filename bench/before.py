"""A before-revision in the same run: its tree checked out into a temporary ``git
worktree``, served with this environment's Python and its own packages first on
``PYTHONPATH`` (so its dependencies must be the ones installed here), against its own
database: a copy of the loaded one (``CREATE DATABASE … TEMPLATE``), brought to the
revision's schema by this tree's migrations (a downgrade, when the revision's head is an
earlier migration of this tree; nothing when the heads are the same). A revision whose
migration head this tree does not know is refused: load its own dataset instead."""

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.server import ROOT
from schema.db import MIGRATIONS, make_sync_engine

HEAD = (
    "from alembic.config import Config\n"
    "from alembic.script import ScriptDirectory\n"
    "c = Config(); c.set_main_option('script_location', 'schema/migrations')\n"
    "print(ScriptDirectory.from_config(c).get_current_head())\n"
)


@contextlib.contextmanager
def worktree(rev: str, scratch: Path) -> Iterator[Path]:
    """``rev`` checked out (detached) under ``scratch``; removed afterwards."""
    where = scratch / "before"
    subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), rev],  # noqa: S607
        check=True,
        capture_output=True,
    )
    try:
        yield where
    finally:
        subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],  # noqa: S607
            check=False,
            capture_output=True,
        )


def describe(tree: Path) -> str:
    out = subprocess.run(  # noqa: S603
        ["git", "-C", str(tree), "log", "-1", "--format=%h %s"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def head(tree: Path) -> str:
    """The migration head of the tree at ``tree``."""
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", HEAD],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def to_revision(url: str, revision: str) -> None:
    """Bring the copy to ``revision`` with this tree's migrations (a downgrade)."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    if revision == script.get_current_head():
        return
    known = {r.revision for r in script.walk_revisions()}
    if revision not in known:
        raise RuntimeError(
            f"the before-revision's schema head {revision} is not a migration of this tree: "
            "its dataset cannot be made from this one"
        )
    engine = make_sync_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
