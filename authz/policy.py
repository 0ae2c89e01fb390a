"""The policy: Casbin over ``model.conf`` and ``policy.csv``, asked once per key per process."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import casbin
from casbin.persist.adapters.string_adapter import StringAdapter

from authz.basis import POLICY_BASES, Basis

HERE = Path(__file__).parent
DEFAULT_MODEL = HERE / "model.conf"
DEFAULT_POLICY = HERE / "policy.csv"


@dataclass(frozen=True)
class Rule:
    """The policy line that matched: the basis it names, and the line as written."""

    subject: str
    obj: str
    action: str
    basis: Basis

    @property
    def line(self) -> str:
        return f"p, {self.subject}, {self.obj}, {self.action}, {self.basis.value}"


class Policy:
    """The loaded policy. The file is read once; answers are memoised by key, so Casbin
    is consulted once per (subject, object, action) however many fields and rows ask."""

    def __init__(
        self,
        model: Path = DEFAULT_MODEL,
        policy: Path = DEFAULT_POLICY,
        *,
        content: bytes | None = None,
    ) -> None:
        """The policy in ``policy``, or in ``content`` (the bytes once read from it, so
        that the hash and the rules come from the same read)."""
        data = policy.read_bytes() if content is None else content
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.content = data
        # Lines stripped as Casbin's file adapter strips them; "#" keeps an empty policy
        # loadable (the string adapter refuses an empty string).
        lines = "\n".join(line.strip() for line in data.decode("utf-8").splitlines()) or "#"
        self._enforcer = casbin.Enforcer(str(model), StringAdapter(lines), enable_log=False)
        known = {b.value for b in POLICY_BASES}
        unknown = sorted({line[3] for line in self._enforcer.get_policy() if line[3] not in known})
        if unknown:
            raise ValueError(f"{policy.name} names unknown bases: {', '.join(unknown)}")
        self._memo: dict[tuple[str, str, str], Rule | None] = {}
        self.enforcer_calls = 0

    def rule(self, subject: str, obj: str, action: str) -> Rule | None:
        key = (subject, obj, action)
        if key not in self._memo:
            self.enforcer_calls += 1
            matched, explain = self._enforcer.enforce_ex(subject, obj, action)
            self._memo[key] = (
                Rule(explain[0], explain[1], explain[2], Basis(explain[3]))
                if matched and explain
                else None
            )
        return self._memo[key]

    def basis(self, subject: str, obj: str, action: str) -> Basis:
        found = self.rule(subject, obj, action)
        return Basis.DENY if found is None else found.basis
