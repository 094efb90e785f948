"""Checks of the database naming practices, as functions so tests can prove they catch mistakes.

Every constraint and index name follows ``src.database.POSTGRES_INDEXES_NAMING_CONVENTION``.
Table and column names: lower_snake, singular tables; ``_at`` for datetimes, ``_date`` for dates.
"""

import re
from functools import cache
from typing import TYPE_CHECKING
from unittest.mock import patch

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.schema import ColumnCollectionConstraint

if TYPE_CHECKING:
    import inflect

LOWER_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Suffixes PostgreSQL itself uses, and ours: pkey, fkey, key (unique), check, idx.
CONSTRAINT_NAME = re.compile(r"^[a-z][a-z0-9_]*_(pkey|fkey|key|check|idx)$")


@cache
def _inflect() -> "inflect.engine":
    """inflect's engine, imported on first use and without typeguard's ``@typechecked``: that
    decorator re-parses inflect's whole source for each of the methods it wraps (1.4 s of CPU
    per run). Its run-time type checks would only guard our calls, which mypy checks already."""
    import typeguard

    def unchecked(target: object = None, **_options: object) -> object:
        return target

    with patch.object(typeguard, "typechecked", unchecked):
        import inflect

    return inflect.engine()


def is_singular(name: str) -> bool:
    last_word = name.rsplit("_", 1)[-1]
    return _inflect().singular_noun(last_word) is False


def naming_rule_violations(metadata: MetaData) -> list[str]:
    """Naming-rule violations of every table in ``metadata``."""
    violations = []
    for table in metadata.sorted_tables:
        if not LOWER_SNAKE.match(table.name):
            violations.append(f"{table.name}: table names are lower_snake_case")
        if not is_singular(table.name):
            violations.append(f"{table.name}: table names are singular")
        for column in table.columns:
            where = f"{table.name}.{column.name}"
            if not LOWER_SNAKE.match(column.name):
                violations.append(f"{where}: column names are lower_snake_case")
            if isinstance(column.type, DateTime):
                if not column.name.endswith("_at"):
                    violations.append(f"{where}: datetime columns end with _at")
                if not column.type.timezone:
                    violations.append(f"{where}: datetime columns are DateTime(timezone=True)")
            elif isinstance(column.type, Date) and not column.name.endswith("_date"):
                violations.append(f"{where}: date columns end with _date")
    return violations


def _expected_name(table: Table, kind: str, columns: list[str]) -> str | None:
    joined = "_".join(columns)
    return {
        "pk": f"{table.name}_pkey",
        "fk": f"{table.name}_{joined}_fkey",
        "uq": f"{table.name}_{joined}_key",
        "ix": f"{table.name}_{joined}_idx",
    }.get(kind)


def constraint_name_violations(metadata: MetaData) -> list[str]:
    """Constraints and indexes named off the convention."""
    violations = []
    for table in metadata.sorted_tables:
        named: list[tuple[str, str | None, list[str]]] = []
        for constraint in table.constraints:
            assert isinstance(constraint, ColumnCollectionConstraint)
            kind = {
                PrimaryKeyConstraint: "pk",
                ForeignKeyConstraint: "fk",
                UniqueConstraint: "uq",
                CheckConstraint: "ck",
            }[type(constraint)]
            named.append((kind, _name(constraint.name), [c.name for c in constraint.columns]))
        for index in table.indexes:
            named.append(("ix", _name(index.name), [c.name for c in index.columns]))
        for kind, name, columns in named:
            expected = _expected_name(table, kind, columns)
            if kind == "ck":
                if not (name and name.startswith(f"{table.name}_") and name.endswith("_check")):
                    violations.append(
                        f"{table.name}: check constraint {name!r} is not <table>_<name>_check"
                    )
            elif name != expected:
                violations.append(f"{table.name}: {kind} {name!r} should be {expected!r}")
    return violations


def _name(name: object) -> str | None:
    return None if name is None else str(name)


def unconventional_names(names: list[str]) -> list[str]:
    """Constraint or index names found in a database that no convention pattern produces."""
    return [name for name in names if not CONSTRAINT_NAME.match(name)]
