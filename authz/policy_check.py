"""What a policy file may say: the vocabulary, and every line checked against the
semantics of ``docs/access.md`` (which a deployment may not change). Pure; no I/O.

A policy passes when every line is ``p, subject, object, action, basis`` in the known
vocabulary, every subject x category read cell is written exactly once, no write is
written twice, and no line asks for something the code can never grant:

- ``SELF`` belongs to ``client`` and ``GUARDIANSHIP`` to ``guardian:FULL`` /
  ``guardian:ECON``; a person subject holds only its own basis (or ``DENY``).
- A ``dpo`` audits and never reads content: ``STATUTORY`` only on ``IDENTITY``,
  ``CONSENT`` and ``ACCESS_LOG``, ``DENY`` everywhere else; beside reading it makes
  ledger checkpoints, verifies the ledger and finds a client by personal identity code
  for a subject-access request.
- ``OWN`` needs a row with an owner: never on client details, consent or the access log,
  and among writes only where the write names its owner (plan, notice move and cancel,
  and registering a client: its organiser is the owner).
- ``CONSENT`` decides reads only: a write never consults the ledger.
- Each write is open only to the subjects its meaning allows (a county does not record
  Kela's decisions; staff record consent, only the client or a guardian decides it).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from authz.basis import Basis
from authz.relation import GUARDIAN_ECON, GUARDIAN_FULL
from schema.enums import DataCategory, Role

READ = "read"
KELA = frozenset({Role.kela_handler.value, Role.kela_advisor.value})
COUNTY = frozenset({Role.social_worker.value, Role.social_counsellor.value})
STAFF = KELA | COUNTY
PERSONS = frozenset({Role.client.value, GUARDIAN_FULL, GUARDIAN_ECON})
DPO = Role.dpo.value
# The columns of the read matrix, in the order of docs/access.md.
SUBJECTS = (
    Role.kela_handler.value,
    Role.kela_advisor.value,
    Role.social_worker.value,
    Role.social_counsellor.value,
    GUARDIAN_FULL,
    GUARDIAN_ECON,
    Role.client.value,
    DPO,
)
CATEGORIES = tuple(c.value for c in DataCategory)

# What a dpo may be allowed to read: who the client is, the consent ledger, the log.
AUDIT_CATEGORIES = frozenset({"IDENTITY", "CONSENT", "ACCESS_LOG"})
# Categories whose rows have no owning organisation: OWN never holds on them.
UNOWNED = frozenset({"IDENTITY", "PERSONAL_ID", "CONTACT", "CONSENT", "ACCESS_LOG"})

# Every (object, action) the code asks the policy about, and who may ever hold it.
WRITES: dict[tuple[str, str], frozenset[str]] = {
    ("client", "register"): STAFF,
    ("client", "update"): STAFF,
    ("plan", "save"): COUNTY,
    ("application", "record"): KELA,
    ("decision:KELA", "record"): KELA,
    ("decision:WELLBEING_COUNTY", "record"): COUNTY,
    ("attachment", "upload"): STAFF | PERSONS,
    ("notice:KELA_TO_ORGANISER", "send"): KELA,
    ("notice:ORGANISER_TO_KELA", "send"): COUNTY,
    ("notice", "move"): STAFF,
    ("notice", "cancel"): STAFF,
    ("consent", "decide"): PERSONS,
    ("consent", "record"): STAFF,
    ("consent", "inform"): STAFF | PERSONS,
    ("guardianship", "record"): STAFF,
    ("ledger", "checkpoint"): frozenset({DPO}),
    ("ledger", "verify"): frozenset({DPO}),
    ("client", "find_by_code"): frozenset({DPO}),
}
# Writes whose caller computes ownership (``own=``): the only writes OWN can allow.
OWNED_WRITES = frozenset(
    {("client", "register"), ("plan", "save"), ("notice", "move"), ("notice", "cancel")}
)


@dataclass(frozen=True)
class Line:
    number: int
    subject: str
    obj: str
    action: str
    basis: str

    @property
    def cell(self) -> tuple[str, str, str]:
        return self.subject, self.obj, self.action


def parse(text: str) -> tuple[list[Line], list[str]]:
    """The policy lines (comments and blank lines skipped), and the lines of no shape."""
    lines: list[Line] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tokens = [token.strip() for token in stripped.split(",")]
        if tokens[0] != "p" or len(tokens) != 5 or not all(tokens):
            problems.append(f"line {number}: not 'p, subject, object, action, basis'")
            continue
        lines.append(Line(number, *tokens[1:]))
    return lines, problems


def _own_basis(subject: str) -> str | None:
    """The relation basis a person subject holds (None for staff and dpo)."""
    if subject == Role.client.value:
        return Basis.SELF.value
    if subject in (GUARDIAN_FULL, GUARDIAN_ECON):
        return Basis.GUARDIANSHIP.value
    return None


def _basis_problem(line: Line) -> str | None:
    """Why this subject can never hold this basis on this line's object, if so."""
    basis, subject = line.basis, line.subject
    if basis == Basis.DENY.value:
        return None
    own_basis = _own_basis(subject)
    if own_basis is not None:
        return None if basis == own_basis else f"{subject} holds only {own_basis} or DENY"
    if basis in (Basis.SELF.value, Basis.GUARDIANSHIP.value):
        holder = "client" if basis == Basis.SELF.value else "guardian:FULL / guardian:ECON"
        return f"{basis} is only for {holder}"
    if subject == DPO:
        if basis != Basis.STATUTORY.value:
            return "dpo holds only STATUTORY or DENY"
        if line.action == READ and line.obj not in AUDIT_CATEGORIES:
            allowed = ", ".join(sorted(AUDIT_CATEGORIES))
            return f"a dpo never reads content ({line.obj}); only {allowed}"
        return None
    if basis == Basis.OWN.value:
        if line.action == READ and line.obj in UNOWNED:
            return f"OWN never holds on {line.obj}: its rows belong to no organisation"
        if line.action != READ and (line.obj, line.action) not in OWNED_WRITES:
            return f"OWN never holds for {line.obj} {line.action}: the write names no owner"
    if basis == Basis.CONSENT.value and line.action != READ:
        return "CONSENT decides reads only; a write never consults the ledger"
    return None


def _line_problem(line: Line) -> str | None:
    if line.subject not in SUBJECTS:
        hint = (
            " (a guardian is guardian:FULL or guardian:ECON)" if line.subject == "guardian" else ""
        )
        return f"unknown subject {line.subject!r}{hint}"
    if line.basis not in {b.value for b in Basis}:
        return f"unknown basis {line.basis!r}"
    if line.action == READ:
        if line.obj not in CATEGORIES:
            return f"unknown data category {line.obj!r}"
    else:
        holders = WRITES.get((line.obj, line.action))
        if holders is None:
            return f"unknown write {line.obj!r} {line.action!r}"
        if line.basis != Basis.DENY.value and line.subject not in holders:
            return f"{line.subject} may never {line.action} {line.obj}"
    return _basis_problem(line)


def problems(text: str) -> list[str]:
    """Every reason the policy cannot be deployed; empty when it can."""
    lines, found = parse(text)
    seen: dict[tuple[str, str, str], int] = {}
    for line in lines:
        problem = _line_problem(line)
        if problem is not None:
            found.append(f"line {line.number}: {problem}")
        first = seen.setdefault(line.cell, line.number)
        if first != line.number:
            found.append(
                f"line {line.number}: {line.subject}, {line.obj}, {line.action} is already "
                f"written on line {first} (the first line would win)"
            )
    found.extend(_uncovered(seen))
    return found


def _uncovered(seen: Iterable[tuple[str, str, str]]) -> list[str]:
    written = set(seen)
    return [
        f"no line for {subject}, {category}, read (write DENY to refuse it)"
        for subject in SUBJECTS
        for category in CATEGORIES
        if (subject, category, READ) not in written
    ]
