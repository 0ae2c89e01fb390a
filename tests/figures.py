"""Figures the security tests report: oracle cases, fuzz cases, faults injected, and what
they found. Tests add to ``FIGURES``; at the end of the run ``tests/conftest.py`` prints a
summary line and writes ``tests/.last-run/security-figures.json`` (copied into
``docs/security.md`` by hand after a full run)."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

FIGURES: Counter[str] = Counter()
LAST_RUN = Path(__file__).parent / ".last-run" / "security-figures.json"


def add(name: str, amount: int = 1) -> None:
    FIGURES[name] += amount


def summary() -> str | None:
    if not FIGURES:
        return None
    return ", ".join(f"{name} {FIGURES[name]:,}" for name in sorted(FIGURES))


def write(extra: dict[str, Any]) -> None:
    if not FIGURES:
        return
    LAST_RUN.parent.mkdir(exist_ok=True)
    LAST_RUN.write_text(json.dumps(dict(sorted(FIGURES.items())) | extra, indent=2) + "\n")
