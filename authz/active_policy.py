"""The policy in force, and loading a new one without letting a bad file in.

``ActivePolicy.current`` is swapped whole on a reload. A request takes the policy once,
when its guard is made, and keeps it for its whole unit of work; a reload never
changes a decision half-way through a request.
"""

from pathlib import Path

from authz.policy import Policy
from authz.policy_check import problems


class PolicyRefused(ValueError):
    """The policy file cannot be deployed; ``problems`` says why, line by line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_checked(model: Path, path: Path) -> Policy:
    """The policy in ``path``, read once, if it passes ``policy_check`` and Casbin."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PolicyRefused([f"cannot read the policy file: {error.strerror}"]) from error
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PolicyRefused(["the policy file is not UTF-8"]) from error
    found = problems(text)
    if found:
        raise PolicyRefused(found)
    try:
        return Policy(model, path, content=content)
    except Exception as error:  # Casbin's own refusals have no common base class
        raise PolicyRefused([f"Casbin refused it: {error}"]) from error


class ActivePolicy:
    """The policy a process decides with; ``reload`` swaps it for a checked new one."""

    def __init__(self, model: Path, path: Path) -> None:
        self.model = model
        self.path = path
        self.current = load_checked(model, path)

    def candidate(self) -> Policy:
        """The file as it is now, checked (raises ``PolicyRefused``); not yet in force."""
        return load_checked(self.model, self.path)

    def adopt(self, policy: Policy) -> Policy:
        """Put ``policy`` in force; the one it replaces."""
        previous, self.current = self.current, policy
        return previous
