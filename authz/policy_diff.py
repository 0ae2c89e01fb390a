"""A policy's decisions as a matrix, and what changes between two policies. Pure.

The matrix is asked of Casbin (``Policy.basis``), not read from the text, so it shows
what the service would decide: subject x category for reads, subject x write.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from authz.basis import Basis
from authz.policy import Policy
from authz.policy_check import CATEGORIES, READ, SUBJECTS, WRITES

Cell = tuple[str, str, str]  # subject, object, action

SHORT = {
    Basis.SELF: "SELF",
    Basis.GUARDIANSHIP: "GUARD",
    Basis.OWN: "OWN",
    Basis.STATUTORY: "STAT",
    Basis.CONSENT: "CONS",
    Basis.DENY: "-",
}
LEGEND = "SELF, GUARD(IANSHIP), OWN, STAT(UTORY), CONS(ENT), - (DENY)"
HEADS = {
    "kela_handler": "kela_h",
    "kela_advisor": "kela_a",
    "social_worker": "sw",
    "social_counsellor": "sc",
    "guardian:FULL": "g:FULL",
    "guardian:ECON": "g:ECON",
    "client": "client",
    "dpo": "dpo",
}


@dataclass(frozen=True)
class Decisions:
    """Every cell the code can ask about, and the basis the policy gives it."""

    sha256: str
    cells: Mapping[Cell, Basis]

    @classmethod
    def of(cls, policy: Policy) -> "Decisions":
        cells: dict[Cell, Basis] = {}
        for subject in SUBJECTS:
            for category in CATEGORIES:
                cells[(subject, category, READ)] = policy.basis(subject, category, READ)
            for obj, action in WRITES:
                cells[(subject, obj, action)] = policy.basis(subject, obj, action)
        return cls(policy.sha256, cells)


def changes(old: Decisions, new: Decisions) -> dict[Cell, tuple[Basis, Basis]]:
    return {
        cell: (old.cells[cell], basis)
        for cell, basis in new.cells.items()
        if old.cells.get(cell, Basis.DENY) != basis
    }


def _table(cell_text: Mapping[tuple[str, str], str]) -> list[str]:
    """Categories down, subjects across."""
    width = max(len(c) for c in CATEGORIES)
    columns = [max(len(HEADS[s]), *(len(cell_text[(s, c)]) for c in CATEGORIES)) for s in SUBJECTS]
    out = [
        "  ".join(
            [" " * width, *(HEADS[s].ljust(w) for s, w in zip(SUBJECTS, columns, strict=True))]
        )
    ]
    for category in CATEGORIES:
        texts = (cell_text[(s, category)].ljust(w) for s, w in zip(SUBJECTS, columns, strict=True))
        out.append("  ".join([category.ljust(width), *texts]).rstrip())
    return out


def render_matrix(decisions: Decisions) -> str:
    """The read matrix, then every write the policy allows."""
    reads = {(s, c): SHORT[decisions.cells[(s, c, READ)]] for s in SUBJECTS for c in CATEGORIES}
    allowed = [
        f"  {obj} {action}: "
        + ", ".join(
            f"{s} ({decisions.cells[(s, obj, action)].value})"
            for s in SUBJECTS
            if decisions.cells[(s, obj, action)] != Basis.DENY
        )
        for obj, action in WRITES
    ]
    return "\n".join(
        [
            f"policy sha256 {decisions.sha256}",
            "",
            f"read ({LEGEND}):",
            *_table(reads),
            "",
            "writes:",
            *allowed,
        ]
    )


def render_diff(old: Decisions, new: Decisions) -> str:
    """Changed read cells as OLD→NEW in the matrix (unchanged: .), then changed writes."""
    changed = changes(old, new)
    header = f"decisions: {old.sha256[:12]} -> {new.sha256[:12]}"
    if not changed:
        return f"{header}: no decision changes"
    reads = {
        (s, c): (
            f"{SHORT[changed[(s, c, READ)][0]]}→{SHORT[changed[(s, c, READ)][1]]}"
            if (s, c, READ) in changed
            else "."
        )
        for s in SUBJECTS
        for c in CATEGORIES
    }
    writes = [
        f"  {subject} {obj} {action}: {before.value} → {after.value}"
        for (subject, obj, action), (before, after) in changed.items()
        if action != READ
    ]
    count = len(changed)
    lines = [f"{header}: {count} cell{'s' if count != 1 else ''} change", "", f"read ({LEGEND}):"]
    lines.extend(_table(reads))
    if writes:
        lines.extend(["", "writes:", *writes])
    return "\n".join(lines)
