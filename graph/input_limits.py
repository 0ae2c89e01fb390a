"""Limits on every string and list a caller sends, checked before any resolver runs.

One table knows each input position's limit, by its schema coordinate: ``Type.field``
for a field of an input type, ``Type.field(argument)`` for an argument, and ``[]`` after
either for the items of a list. A position not in the table gets the default of its
kind. Every string, in every argument and variable, at any depth, is also refused when it
holds a NUL (PostgreSQL cannot store one) or a lone surrogate (it is not Unicode text).
A refusal is ``BAD_USER_INPUT`` naming the field as the caller wrote it
(``input.goals[3]``) and the limit, both also in ``extensions`` (``field``, ``limit``).

The services still trim, require and check formats; the lengths they allow are these.
"""

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    VariableNode,
)

from graph.documents import Operation
from graph.errors import BadUserInput

STRING_CHARACTERS = 1_000
ID_CHARACTERS = 64
LIST_ITEMS = 100

# Characters of a string; for lists the items (below). Keep docs/front-end.md in step.
CHARACTERS: Mapping[str, int] = {
    "Query.clientByPersonalId(personalId)": 32,
    "Query.clientForSubjectAccess(personalId)": 32,
    "Query.clients(search)": 200,
    "RegisterClientInput.personalId": 32,
    "RegisterClientInput.name": 200,
    "RegisterClientInput.address": 400,
    "RegisterClientInput.phone": 64,
    "RegisterClientInput.email": 254,
    "UpdateClientInput.name": 200,
    "UpdateClientInput.address": 400,
    "UpdateClientInput.phone": 64,
    "UpdateClientInput.email": 254,
    "ContactPersonInput.name": 200,
    "ContactPersonInput.title": 200,
    "ContactPersonInput.phone": 64,
    "ContactPersonInput.email": 254,
    "GuardianshipInput.guardianPersonalId": 32,
    "LifeAreaInput.summary": 4_000,
    "PlanInput.goals[]": 1_000,
    "PlanInput.kelaSpecialService": 4_000,
    "MeasureInput.description": 2_000,
    "MeasureInput.responsibleWorker": 200,
    "ServiceNeedAssessmentInput.outcome": 4_000,
    "ApplicationInput.externalId": 200,
    "UrgencyInput.grounds": 4_000,
    "InformationRequestInput.items[]": 1_000,
    "DecisionInput.externalId": 200,
    "DecisionInput.grounds": 20_000,
    "CalculationRowInput.description": 400,
    "BasicAmountReductionInput.grounds": 4_000,
    "PaymentCommitmentInput.payee": 200,
    "PaymentCommitmentInput.purpose": 400,
    "AttachmentInput.mediaType": 200,
    "AttachmentInput.filename": 255,
    "NoticeInput.externalId": 200,
    "NoticeInput.detail": 20_000,
    "Mutation.moveNotice(note)": 4_000,
    "ConsentGrantInput.purpose": 1_000,
    "Mutation.withdrawConsent(reason)": 1_000,
    "Mutation.recordInformed(textVersion)": 200,
    "Mutation.recordInformed(channel)": 200,
}
ITEMS: Mapping[str, int] = {
    "Query.enumLabels(enums)": 100,
    "Query.noticeInbox(status)": 10,
    "Query.noticeInbox(type)": 20,
    "PlanInput.goals": 50,
    "PlanInput.measures": 50,
    "InformationRequestInput.items": 50,
    "DecisionInput.influencingAttachmentIds": 50,
    "DecisionInput.calculation": 100,
    "DecisionInput.paymentCommitments": 50,
    "NoticeInput.attachmentIds": 50,
    "ConsentGrantInput.categories": 30,
}


def check(operation: Operation) -> None:
    """Refuse the first argument value over its limit, or not text, in the operation."""
    for field in operation.every_field():
        for argument in field.node.arguments or ():
            name = argument.name.value
            definition = field.definition.args.get(name)
            if definition is not None:
                coordinate = f"{field.coordinate}({name})"
                check_value(operation, definition.type, argument.value, coordinate, name)


def check_value(
    operation: Operation, kind: GraphQLInputType, value: Any, coordinate: str, path: str
) -> None:
    """Refuse one argument's value (``coordinate``, as the caller wrote it: ``path``)."""
    _Walk(operation).value(kind, value, coordinate, path)


def characters_limit(coordinate: str, scalar: GraphQLScalarType) -> int:
    default = ID_CHARACTERS if scalar.name == "ID" else STRING_CHARACTERS
    return CHARACTERS.get(coordinate, default)


def refuse_not_text(text: str, path: str) -> None:
    if "\x00" in text:
        raise BadUserInput(f"{path} contains a NUL character", field=path)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadUserInput(
                f"{path} is not Unicode text (it holds a lone surrogate)", field=path
            ) from error


class _Walk:
    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def value(self, kind: GraphQLInputType, value: Any, coordinate: str, path: str) -> None:
        if isinstance(value, VariableNode):
            value = self.operation.value(value)
        if value is None:
            return
        if isinstance(kind, GraphQLNonNull):
            kind = kind.of_type
        if isinstance(kind, GraphQLList):
            self._list(kind, value, coordinate, path)
        elif isinstance(kind, GraphQLInputObjectType):
            self._object(kind, value, path)
        else:
            self._text(kind, value, coordinate, path)

    def _list(self, kind: GraphQLList[Any], value: Any, coordinate: str, path: str) -> None:
        items = value.values if isinstance(value, ListValueNode) else value
        if not isinstance(items, list | tuple):
            self.value(kind.of_type, value, f"{coordinate}[]", path)  # one value as a list
            return
        limit = ITEMS.get(coordinate, LIST_ITEMS)
        if len(items) > limit:
            raise BadUserInput(f"{path} has more than {limit} items", field=path, limit=limit)
        for index, item in enumerate(items):
            self.value(kind.of_type, item, f"{coordinate}[]", f"{path}[{index}]")

    def _object(self, kind: GraphQLInputObjectType, value: Any, path: str) -> None:
        fields: Mapping[str, Any]
        if isinstance(value, ObjectValueNode):
            fields = {f.name.value: f.value for f in value.fields}
        elif isinstance(value, dict):
            fields = value
        else:
            return
        for name, item in fields.items():
            definition = kind.fields.get(name)
            if definition is not None:
                self.value(definition.type, item, f"{kind.name}.{name}", f"{path}.{name}")

    def _text(self, kind: Any, value: Any, coordinate: str, path: str) -> None:
        if isinstance(value, StringValueNode):
            text = value.value
        elif isinstance(value, str):
            text = value
        else:
            return  # numbers, booleans, enum literals, uploads
        refuse_not_text(text, path)
        scalar = kind if isinstance(kind, GraphQLScalarType) else None
        limit = STRING_CHARACTERS if scalar is None else characters_limit(coordinate, scalar)
        if len(text) > limit:
            raise BadUserInput(f"{path} is longer than {limit} characters", field=path, limit=limit)
