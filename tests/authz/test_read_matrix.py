"""The whole default read matrix, cell by cell: the policy file holds it, and the guard
decides by it (OWN by row, CONSENT from the ledger, prohibitions)."""

import csv
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from authz.basis import RedactionReason
from authz.guard import ClientAccess, Guard
from authz.policy import DEFAULT_POLICY, Policy
from authz.principal import Principal
from authz.relation import ClientFacts, subjects
from ledger.state import ConsentState, Grant, Prohibition, RowRef
from schema.enums import DataCategory, GuardianshipKind, OrganisationType, Role
from tests.authz.matrix import CATEGORIES, MATRIX, SUBJECTS

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PERSON = "010190-900C"
ORG_OF = {
    "kela_handler": ("kela", OrganisationType.KELA),
    "kela_advisor": ("kela", OrganisationType.KELA),
    "social_worker": ("wc-pirkanmaa", OrganisationType.WELLBEING_COUNTY),
    "social_counsellor": ("wc-pirkanmaa", OrganisationType.WELLBEING_COUNTY),
    "dpo": ("kela", OrganisationType.KELA),
}
POLICY = Policy()


def principal_for(subject: str) -> Principal:
    role = Role(subject.split(":")[0])
    org, org_type = ORG_OF.get(subject, (None, None))
    return Principal(
        subject="s",
        roles=frozenset({role}),
        organisation_id=org,
        organisation_type=org_type,
        person=PERSON,
    )


def facts_for(subject: str) -> ClientFacts:
    kinds = {
        "guardian:FULL": {GuardianshipKind.GUARDIAN_FULL},
        "guardian:ECON": {GuardianshipKind.GUARDIAN_ECONOMIC},
    }
    return ClientFacts(
        client_id=uuid.uuid4(),
        organiser_id="wc-pirkanmaa",
        personal_id=PERSON,
        protected_identity=False,
        guardianships=frozenset(kinds.get(subject, set())),
        relationships=frozenset({"wc-pirkanmaa"}),
    )


def grant_to(org: str | None, category: str) -> ConsentState:
    return ConsentState(
        grants=(
            Grant(
                seq=3,
                grantee=org or "",
                categories=frozenset({category}),
                purpose="test",
                method="ELECTRONIC",
                valid_from=NOW - timedelta(days=1),
                valid_until=None,
                recorded_at=NOW - timedelta(days=1),
            ),
        )
    )


def decide(
    subject: str, category: str, *, own: bool | None = None, consent: ConsentState | None = None
):
    who = principal_for(subject)
    facts = facts_for(subject)
    access = ClientAccess(facts, subjects(who, facts), consent or ConsentState())
    assert [s.name for s in access.subjects] == [subject]
    return Guard(POLICY, who, NOW).decide(access, DataCategory(category), own=own)


def test_the_policy_file_holds_exactly_the_read_matrix():
    with DEFAULT_POLICY.open(encoding="utf-8") as source:
        lines = [
            [c.strip() for c in row]
            for row in csv.reader(source)
            if row and not row[0].startswith("#")
        ]
    read = {(row[1], row[2]): row[4] for row in lines if row[0] == "p" and row[3] == "read"}
    assert read == MATRIX
    assert len([row for row in lines if row[0] == "p" and row[3] == "read"]) == len(MATRIX)


@pytest.mark.parametrize(("subject", "category"), sorted(MATRIX))
def test_every_cell_decides_as_the_table_says(subject: str, category: str):
    basis = MATRIX[(subject, category)]
    org = principal_for(subject).organisation_id
    if basis in ("STATUTORY", "SELF", "GUARDIANSHIP"):
        for own in (None, True, False):
            decision = decide(subject, category, own=own)
            assert decision.allowed
            assert decision.basis is not None
            assert decision.basis.value == basis
            assert decision.rule is not None
            assert decision.rule.line == f"p, {subject}, {category}, read, {basis}"
    elif basis == "OWN":
        assert decide(subject, category, own=True).allowed
        assert decide(subject, category, own=True).basis.value == "OWN"
        for own in (False, None):
            assert decide(subject, category, own=own).reason == RedactionReason.NOT_PERMITTED
        assert (
            decide(subject, category, own=False, consent=grant_to(org, category)).reason
            == RedactionReason.NOT_PERMITTED
        )
    elif basis == "CONSENT":
        assert decide(subject, category).reason == RedactionReason.CONSENT_REQUIRED
        granted = decide(subject, category, consent=grant_to(org, category))
        assert granted.allowed
        assert granted.basis.value == "CONSENT"
        assert granted.consent_seq == 3
        other = decide(subject, category, consent=grant_to("wc-lappi", category))
        assert other.reason == RedactionReason.CONSENT_REQUIRED
    else:
        assert basis == "DENY"
        for own in (None, True, False):
            assert decide(subject, category, own=own).reason == RedactionReason.NOT_PERMITTED
        assert (
            decide(subject, category, own=True, consent=grant_to(org, category)).reason
            == RedactionReason.NOT_PERMITTED
        )


@pytest.mark.parametrize("subject", [s for s in SUBJECTS if s != "client"])
def test_protected_identity_hides_contact_from_everyone_but_the_client(subject: str):
    who = principal_for(subject)
    facts = facts_for(subject)
    protected = ClientFacts(
        client_id=facts.client_id,
        organiser_id=facts.organiser_id,
        personal_id=facts.personal_id,
        protected_identity=True,
        guardianships=facts.guardianships,
        relationships=facts.relationships,
    )
    access = ClientAccess(protected, subjects(who, protected), ConsentState())
    decision = Guard(POLICY, who, NOW).decide(access, DataCategory.CONTACT)
    assert decision.reason == RedactionReason.PROTECTED_IDENTITY


def test_the_client_sees_their_own_contact_despite_protected_identity():
    who = principal_for("client")
    facts = ClientFacts(uuid.uuid4(), "wc-pirkanmaa", PERSON, protected_identity=True)
    access = ClientAccess(facts, subjects(who, facts), ConsentState())
    assert Guard(POLICY, who, NOW).decide(access, DataCategory.CONTACT).allowed


@pytest.mark.parametrize(
    "prohibition",
    [
        Prohibition(
            seq=4,
            organisation="kela",
            category=None,
            row=None,
            recorded_at=NOW - timedelta(hours=1),
        ),
        Prohibition(
            seq=4,
            organisation=None,
            category="PLAN",
            row=None,
            recorded_at=NOW - timedelta(hours=1),
        ),
        Prohibition(
            seq=4,
            organisation=None,
            category=None,
            row=RowRef("DECISION", "d1"),
            recorded_at=NOW - timedelta(hours=1),
        ),
    ],
    ids=["organisation", "category", "row"],
)
def test_a_prohibition_answers_consent_required_and_names_itself_only_in_the_log(prohibition):
    who = principal_for("kela_handler")
    facts = facts_for("kela_handler")
    granted = grant_to("kela", "PLAN")
    consent = ConsentState(granted.grants, (prohibition,))
    access = ClientAccess(facts, subjects(who, facts), consent)
    decision = Guard(POLICY, who, NOW).decide(
        access, DataCategory.PLAN, row=RowRef("DECISION", "d1")
    )
    assert decision.reason == RedactionReason.CONSENT_REQUIRED
    assert decision.prohibition_seq == 4
    elsewhere = Guard(POLICY, who, NOW).decide(
        access, DataCategory.PLAN, row=RowRef("DECISION", "d2")
    )
    assert elsewhere.allowed == (prohibition.row is not None)


def test_statutory_ignores_prohibitions():
    who = principal_for("social_worker")
    facts = facts_for("social_worker")
    consent = ConsentState(
        (), (Prohibition(4, "wc-pirkanmaa", None, None, NOW - timedelta(hours=1)),)
    )
    access = ClientAccess(facts, subjects(who, facts), consent)
    assert Guard(POLICY, who, NOW).decide(access, DataCategory.LIFE_HEALTH).allowed


def test_no_relation_means_no_subject():
    lappi = Principal(
        "s", frozenset({Role.social_worker}), "wc-lappi", OrganisationType.WELLBEING_COUNTY, None
    )
    assert subjects(lappi, facts_for("social_worker")) == ()
    stranger = Principal("s", frozenset({Role.client}), None, None, "020202-902D")
    assert subjects(stranger, facts_for("client")) == ()
    guardian_without_guardianship = Principal("s", frozenset({Role.guardian}), None, None, PERSON)
    assert subjects(guardian_without_guardianship, facts_for("client")) == ()


def test_every_category_is_in_the_matrix():
    assert set(CATEGORIES) == {c.value for c in DataCategory}


def test_a_policy_naming_an_unknown_basis_is_refused_at_load(tmp_path):
    broken = tmp_path / "policy.csv"
    broken.write_text(
        DEFAULT_POLICY.read_text(encoding="utf-8") + "p, kela_handler, PLAN, read, MAYBE\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="MAYBE"):
        Policy(policy=broken)


def test_county_relation_comes_from_a_client_relationship():
    """COUNTY holds for an organisation with an open client relationship (or a notice),
    not for the one the client's organiser field names without one."""
    lappi = Principal(
        "s", frozenset({Role.social_worker}), "wc-lappi", OrganisationType.WELLBEING_COUNTY, None
    )
    pirkanmaa = principal_for("social_worker")
    related = ClientFacts(
        uuid.uuid4(),
        "wc-pirkanmaa",
        PERSON,
        False,
        relationships=frozenset({"wc-pirkanmaa", "wc-lappi"}),
    )
    assert [s.name for s in subjects(lappi, related)] == ["social_worker"]
    assert [s.name for s in subjects(pirkanmaa, related)] == ["social_worker"]
    named_only = ClientFacts(uuid.uuid4(), "wc-pirkanmaa", PERSON, False)
    assert subjects(pirkanmaa, named_only) == ()
