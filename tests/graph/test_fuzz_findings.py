"""Faults the schema fuzzer (``test_fuzz.py``) found, each held by a test of its own."""

from tests.factories import register
from tests.graph.test_malformed_input import rows
from tests.support import Api, Http

UPLOAD_LITERAL = """
mutation($c: ID!) {
  uploadAttachment(input: { clientId: $c, kind: RENT_AGREEMENT }, file: "not a file") { id }
}
"""
UPLOAD_VARIABLE = """
mutation($c: ID!, $f: Upload!) {
  uploadAttachment(input: { clientId: $c, kind: RENT_AGREEMENT }, file: $f) { id }
}
"""


async def test_an_upload_given_as_a_value_is_bad_user_input(app, api: Api, http: Http) -> None:
    """A string where the file goes (inline, or a JSON variable) once answered
    ``INTERNAL_SERVER_ERROR``: the resolver read it as a file."""
    client_id = await register(api)
    token = http.token("social_worker", org="wc-pirkanmaa")
    before = await rows(app)
    for query, variables in (
        (UPLOAD_LITERAL, {"c": client_id}),
        (UPLOAD_VARIABLE, {"c": client_id, "f": "also not a file"}),
        (UPLOAD_VARIABLE, {"c": client_id, "f": {"name": "x.pdf"}}),
    ):
        response = await http.post(query, token, variables)
        assert response.status_code in (200, 400), response.text
        codes = [e["extensions"]["code"] for e in response.json()["errors"]]
        assert codes == ["BAD_USER_INPUT"], response.text
    assert await rows(app) == before
