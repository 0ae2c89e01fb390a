"""Finnish and Swedish labels for every enum value the API serves (issue 7, item 6),
served by ``Query.enumLabels``."""

import pytest
from graphql import GraphQLEnumType

from graph.labels import LABELS
from graph.schema import build_schema
from tests.factories import PIRKANMAA_WORKER

SCHEMA = build_schema()._schema
ENUMS = {
    name: list(kind.values)
    for name, kind in SCHEMA.type_map.items()
    if isinstance(kind, GraphQLEnumType) and not name.startswith("__")
}
QUERY = "query($e: [String!]) { enumLabels(enums: $e) { enum value fi sv } }"


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_every_value_of_every_enum_has_both_labels(name):
    assert name in LABELS, f"{name} has no labels in graph/labels.py"
    assert list(LABELS[name]) == ENUMS[name], f"{name}: labels for exactly its values, in order"
    for value, (fi, sv) in LABELS[name].items():
        assert fi.strip(), (name, value)
        assert sv.strip(), (name, value)
    for language in (0, 1):
        labels = [pair[language] for pair in LABELS[name].values()]
        assert len(set(labels)) == len(labels), f"{name}: two values share a label"


def test_no_label_names_what_the_schema_does_not_have():
    assert set(LABELS) <= set(ENUMS)


async def test_the_api_serves_the_labels_with_the_glossary_terms(api):
    data = await api.ok(PIRKANMAA_WORKER, QUERY, e=["NoticeType", "RedactionReason", "Role"])
    found = {(x["enum"], x["value"]): (x["fi"], x["sv"]) for x in data["enumLabels"]}
    assert len(found) == len(ENUMS["NoticeType"]) + len(ENUMS["RedactionReason"]) + 7
    assert found["NoticeType", "CONCERN_NOTICE"] == ("Huoli-ilmoitus", "Anmälan om oro")
    assert found["NoticeType", "APPLICATION_TRANSFER"] == (
        "Hakemuksen siirto",
        "Överföring av ansökan",
    )
    assert found["NoticeType", "BASIC_AMOUNT_REDUCTION"] == (
        "Perusosan alentaminen",
        "Sänkning av grunddelen",
    )
    assert found["RedactionReason", "PROTECTED_IDENTITY"] == ("Turvakielto", "Spärrmarkering")
    assert found["Role", "kela_handler"] == ("Etuuskäsittelijä", "Förmånshandläggare")
    assert found["Role", "dpo"] == ("Tietosuojavastaava", "Dataskyddsombud")
    everything = await api.ok(PIRKANMAA_WORKER, QUERY, e=None)
    assert len(everything["enumLabels"]) == sum(len(v) for v in ENUMS.values())


async def test_an_unknown_enum_is_bad_input(api):
    await api.fails(PIRKANMAA_WORKER, QUERY, "BAD_USER_INPUT", e=["NoSuchEnum"])
