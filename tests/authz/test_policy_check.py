"""``authz.policy_check`` (what a policy file may say), ``authz.policy_diff`` (its
decisions as a matrix), and ``infocap policy show`` / ``infocap policy check``."""

import ast
from pathlib import Path

import pytest

from authz.active_policy import PolicyRefused, load_checked
from authz.basis import Basis
from authz.policy import DEFAULT_MODEL, DEFAULT_POLICY, Policy
from authz.policy_check import CATEGORIES, SUBJECTS, WRITES, problems
from authz.policy_diff import Decisions, changes, render_diff, render_matrix
from graph.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEXT = DEFAULT_POLICY.read_text(encoding="utf-8")


def edited(old: str, new: str) -> str:
    assert old in DEFAULT_TEXT, old
    return DEFAULT_TEXT.replace(old, new, 1)


def test_the_shipped_policy_passes():
    assert problems(DEFAULT_TEXT) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # unknown vocabulary
        ("p, dpo, PLAN, read, DENY", "p, auditor, PLAN, read, DENY", "unknown subject 'auditor'"),
        ("p, client, PLAN, read, SELF", "p, guardian, PLAN, read, SELF", "guardian:FULL or"),
        ("p, client, PLAN, read, SELF", "p, client, PLANS, read, SELF", "unknown data category"),
        ("p, client, PLAN, read, SELF", "p, client, PLAN, read, MAYBE", "unknown basis 'MAYBE'"),
        (
            "p, dpo, ledger, checkpoint, STATUTORY",
            "p, dpo, ledger, export, STATUTORY",
            "unknown write",
        ),
        ("p, client, PLAN, read, SELF", "p, client, PLAN, read", "not 'p, subject, object"),
        ("p, client, PLAN, read, SELF", "g, client, PLAN, read, SELF", "not 'p, subject, object"),
        # bases that belong to another relation
        (
            "p, social_worker, PLAN, read, STATUTORY",
            "p, social_worker, PLAN, read, SELF",
            "SELF is only for client",
        ),
        (
            "p, kela_handler, PLAN, read, CONSENT",
            "p, kela_handler, PLAN, read, GUARDIANSHIP",
            "GUARDIANSHIP is only for",
        ),
        (
            "p, client, PLAN, read, SELF",
            "p, client, PLAN, read, STATUTORY",
            "client holds only SELF",
        ),
        (
            "p, guardian:ECON, PLAN, read, DENY",
            "p, guardian:ECON, PLAN, read, CONSENT",
            "holds only GUARDIANSHIP",
        ),
        (
            "p, guardian:FULL, PLAN, read, GUARDIANSHIP",
            "p, guardian:FULL, PLAN, read, SELF",
            "holds only GUARDIANSHIP",
        ),
        # a dpo audits, never reads content
        (
            "p, dpo, CONTACT, read, DENY",
            "p, dpo, CONTACT, read, STATUTORY",
            "a dpo never reads content (CONTACT)",
        ),
        (
            "p, dpo, LIFE_HEALTH, read, DENY",
            "p, dpo, LIFE_HEALTH, read, CONSENT",
            "dpo holds only STATUTORY",
        ),
        (
            "p, dpo, ledger, checkpoint, STATUTORY",
            "p, dpo, attachment, upload, STATUTORY",
            "dpo may never upload",
        ),
        # OWN and CONSENT where they can never hold
        (
            "p, kela_handler, CONTACT, read, STATUTORY",
            "p, kela_handler, CONTACT, read, OWN",
            "OWN never holds on CONTACT",
        ),
        (
            "p, kela_handler, client, update, STATUTORY",
            "p, kela_handler, client, update, OWN",
            "the write names no owner",
        ),
        (
            "p, kela_handler, client, update, STATUTORY",
            "p, kela_handler, client, update, CONSENT",
            "CONSENT decides reads only",
        ),
        # writes the semantics forbid
        (
            "p, social_worker, consent, record, STATUTORY",
            "p, social_worker, consent, decide, STATUTORY",
            "social_worker may never decide consent",
        ),
        (
            "p, kela_handler, decision:KELA, record, STATUTORY",
            "p, social_worker, decision:KELA, record, STATUTORY",
            "social_worker may never record decision:KELA",
        ),
        (
            "p, client, consent, decide, SELF",
            "p, client, consent, record, SELF",
            "client may never record consent",
        ),
        (
            "p, social_worker, plan, save, OWN",
            "p, kela_handler, plan, save, OWN",
            "kela_handler may never save plan",
        ),
    ],
)
def test_lines_the_semantics_cannot_hold_are_refused(old, new, expected):
    found = problems(edited(old, new))
    assert any(expected in p for p in found), found


def test_every_read_cell_must_be_written():
    found = problems(edited("p, kela_advisor, LIFE_HEALTH, read, DENY\n", ""))
    assert found == ["no line for kela_advisor, LIFE_HEALTH, read (write DENY to refuse it)"]


def test_a_cell_written_twice_is_refused_even_with_the_same_basis():
    found = problems(DEFAULT_TEXT + "p, client, PLAN, read, SELF\n")
    assert len(found) == 1
    assert "already written on line" in found[0]
    found = problems(DEFAULT_TEXT + "p, client, attachment, upload, SELF\n")
    assert len(found) == 1
    assert "already written" in found[0]


def test_a_missing_write_is_a_denial_not_a_problem():
    assert problems(edited("p, kela_advisor, consent, record, STATUTORY\n", "")) == []


def test_every_problem_names_its_line():
    text = edited("p, dpo, CONTACT, read, DENY", "p, dpo, CONTACT, read, STATUTORY")
    line = text.splitlines().index("p, dpo, CONTACT, read, STATUTORY") + 1
    assert problems(text) == [
        f"line {line}: a dpo never reads content (CONTACT); only ACCESS_LOG, CONSENT, IDENTITY"
    ]


def test_load_checked_refuses_what_casbin_or_the_check_refuses(tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(PolicyRefused, match="UTF-8"):
        load_checked(DEFAULT_MODEL, bad)
    with pytest.raises(PolicyRefused, match="cannot read"):
        load_checked(DEFAULT_MODEL, tmp_path / "missing.csv")
    bad.write_text(edited("p, client, PLAN, read, SELF", "p, client, PLAN, read, OWN"))
    with pytest.raises(PolicyRefused) as refused:
        load_checked(DEFAULT_MODEL, bad)
    assert refused.value.problems
    assert "client holds only SELF" in refused.value.problems[0]


def test_the_hash_and_the_rules_come_from_one_read(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(DEFAULT_TEXT)
    policy = load_checked(DEFAULT_MODEL, path)
    assert policy.sha256 == Policy().sha256
    assert policy.content == DEFAULT_POLICY.read_bytes()


# --- every write the code asks about is in the vocabulary -------------------------------


def _authorize_calls() -> list[tuple[str, str, str]]:
    """(file, object, action) of every ``guard.authorize(...)`` call in graph/; an
    f-string object is kept as its literal prefix."""
    found: list[tuple[str, str, str]] = []
    for path in sorted((ROOT / "graph").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr != "authorize" or len(node.args) < 3:
                continue
            obj, action = node.args[1], node.args[2]
            if isinstance(obj, ast.JoinedStr):
                first = obj.values[0]
                obj_text = first.value if isinstance(first, ast.Constant) else ""
            else:
                obj_text = obj.value if isinstance(obj, ast.Constant) else "?"
            actions = (
                [action.value]
                if isinstance(action, ast.Constant)
                else [
                    n.value
                    for n in ast.walk(action)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
            )
            found.extend((path.name, str(obj_text), str(a)) for a in actions)
    return found


def test_every_write_the_code_asks_about_is_known_to_the_check():
    calls = _authorize_calls()
    assert len(calls) >= 10
    for where, obj, action in calls:
        matches = [
            key for key in WRITES if key[1] == action and (key[0] == obj or key[0].startswith(obj))
        ]
        assert matches, f"{where}: authorize({obj!r}, {action!r}) is not in policy_check.WRITES"


# --- the matrix and the diff -----------------------------------------------------------


def test_the_matrix_is_what_casbin_decides(tmp_path):
    decisions = Decisions.of(Policy())
    assert len(decisions.cells) == len(SUBJECTS) * (len(CATEGORIES) + len(WRITES))
    assert decisions.cells[("kela_handler", "PLAN", "read")] == Basis.CONSENT
    assert decisions.cells[("dpo", "ledger", "checkpoint")] == Basis.STATUTORY
    assert decisions.cells[("dpo", "attachment", "upload")] == Basis.DENY
    shown = render_matrix(decisions)
    assert decisions.sha256 in shown
    assert "PLAN               CONS    CONS    STAT" in shown


def test_the_diff_names_each_changed_cell(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        edited(
            "p, kela_handler, PLAN, read, CONSENT", "p, kela_handler, PLAN, read, STATUTORY"
        ).replace("p, kela_advisor, consent, record, STATUTORY\n", "")
    )
    old, new = Decisions.of(Policy()), Decisions.of(Policy(policy=path))
    assert changes(old, new) == {
        ("kela_handler", "PLAN", "read"): (Basis.CONSENT, Basis.STATUTORY),
        ("kela_advisor", "consent", "record"): (Basis.STATUTORY, Basis.DENY),
    }
    shown = render_diff(old, new)
    assert "2 cells change" in shown
    assert "PLAN               CONS→STAT" in shown
    assert "kela_advisor consent record: STATUTORY → DENY" in shown
    assert "no decision changes" in render_diff(old, old)


# --- the commands ------------------------------------------------------------------------


@pytest.fixture
def no_policy_environment(monkeypatch):
    for name in ("INFOCAP_POLICY_FILE", "INFOCAP_POLICY_MODEL", "INFOCAP_ENV"):
        monkeypatch.delenv(name, raising=False)


def test_policy_show_prints_the_active_matrix_and_hash(
    no_policy_environment, monkeypatch, tmp_path, capsys
):
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert Policy().sha256 in out
    assert "ACCESS_LOG" in out
    assert "ledger checkpoint: dpo (STATUTORY)" in out
    deployed = tmp_path / "deployed.csv"
    deployed.write_text(
        edited("p, kela_handler, PLAN, read, CONSENT", "p, kela_handler, PLAN, read, DENY")
    )
    monkeypatch.setenv("INFOCAP_POLICY_FILE", str(deployed))
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert Policy(policy=deployed).sha256 in out
    assert "PLAN               -       CONS" in out


def test_policy_check_of_a_good_change_prints_the_diff(no_policy_environment, tmp_path, capsys):
    changed = tmp_path / "changed.csv"
    changed.write_text(
        edited(
            "p, kela_advisor, WC_DECISION, read, CONSENT",
            "p, kela_advisor, WC_DECISION, read, DENY",
        )
    )
    assert main(["policy", "check", str(changed)]) == 0
    out = capsys.readouterr().out
    assert f"OK, sha256 {Policy(policy=changed).sha256}" in out
    assert "1 cell change" in out
    assert "WC_DECISION        .       CONS→-" in out


def test_policy_check_against_another_file(no_policy_environment, tmp_path, capsys):
    base = tmp_path / "base.csv"
    base.write_text(
        edited(
            "p, kela_advisor, WC_DECISION, read, CONSENT",
            "p, kela_advisor, WC_DECISION, read, DENY",
        )
    )
    assert main(["policy", "check", str(DEFAULT_POLICY), "--against", str(base)]) == 0
    assert "WC_DECISION        .       -→CONS" in capsys.readouterr().out


def test_policy_check_of_a_bad_change_lists_its_problems(no_policy_environment, tmp_path, capsys):
    changed = tmp_path / "changed.csv"
    changed.write_text(
        edited("p, dpo, CONTACT, read, DENY", "p, dpo, CONTACT, read, STATUTORY")
        + "p, client, PLAN, read, SELF\n"
    )
    assert main(["policy", "check", str(changed)]) == 1
    captured = capsys.readouterr()
    assert "a dpo never reads content (CONTACT)" in captured.err
    assert "already written" in captured.err
    assert "refused (2 problems)" in captured.err
    assert captured.out == ""
