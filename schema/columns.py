"""Column helpers shared by the models."""

from enum import StrEnum

from sqlalchemy import BigInteger, Enum, Integer

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def enum_of(kind: type[StrEnum]) -> Enum:
    """A VARCHAR holding the enum's value; Python refuses values outside the enum."""
    return Enum(kind, native_enum=False, length=40, validate_strings=True)
