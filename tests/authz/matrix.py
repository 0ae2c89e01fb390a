"""access.md's default read matrix, restated as data for the tests (not read from
``policy.csv``: the tests hold the policy file to this table)."""

SUBJECTS = (
    "kela_handler",
    "kela_advisor",
    "social_worker",
    "social_counsellor",
    "guardian:FULL",
    "guardian:ECON",
    "client",
    "dpo",
)

TABLE = """
IDENTITY          | STATUTORY | STATUTORY | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | STATUTORY
PERSONAL_ID       | STATUTORY | STATUTORY | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
CONTACT           | STATUTORY | STATUTORY | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
PLAN              | CONSENT   | CONSENT   | STATUTORY | STATUTORY | GUARDIANSHIP | DENY         | SELF | DENY
LIFE_ECONOMY      | CONSENT   | CONSENT   | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
LIFE_FAMILY       | CONSENT   | CONSENT   | STATUTORY | STATUTORY | GUARDIANSHIP | DENY         | SELF | DENY
LIFE_HEALTH       | CONSENT   | DENY      | STATUTORY | CONSENT   | GUARDIANSHIP | DENY         | SELF | DENY
LIFE_HOUSING      | CONSENT   | CONSENT   | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
APPLICATION       | OWN       | OWN       | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
KELA_DECISION     | OWN       | OWN       | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
KELA_CALCULATION  | OWN       | OWN       | STATUTORY | CONSENT   | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
WC_DECISION       | STATUTORY | CONSENT   | OWN       | OWN       | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
ATTACHMENT        | STATUTORY | DENY      | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | DENY
HEALTH_ATTACHMENT | STATUTORY | DENY      | CONSENT   | DENY      | GUARDIANSHIP | DENY         | SELF | DENY
NOTICE            | OWN       | OWN       | OWN       | OWN       | DENY         | DENY         | SELF | DENY
NOTICE_DETAIL     | OWN       | DENY      | OWN       | OWN       | DENY         | DENY         | SELF | DENY
CONSENT           | STATUTORY | STATUTORY | STATUTORY | STATUTORY | GUARDIANSHIP | GUARDIANSHIP | SELF | STATUTORY
ACCESS_LOG        | DENY      | DENY      | DENY      | DENY      | GUARDIANSHIP | DENY         | SELF | STATUTORY
"""

MATRIX: dict[tuple[str, str], str] = {
    (subject, cells[0]): cells[1 + i]
    for line in TABLE.strip().splitlines()
    for cells in [[c.strip() for c in line.split("|")]]
    for i, subject in enumerate(SUBJECTS)
}
CATEGORIES = tuple(line.split("|")[0].strip() for line in TABLE.strip().splitlines())
