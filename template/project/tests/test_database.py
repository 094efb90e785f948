"""Naming conventions and rules over the service's own tables, and proof that the checks
catch violations."""

import pytest
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

from src.database import POSTGRES_INDEXES_NAMING_CONVENTION, Base, Database, compile_query
from src.domains import import_domain_modules
from src.models import CustomModel
from tests.naming import (
    constraint_name_violations,
    naming_rule_violations,
    unconventional_names,
)

import_domain_modules("models")


def sample_metadata() -> MetaData:
    """Tables that follow every rule, plus a multi-column unique pair the guide's pattern breaks."""
    metadata = MetaData(naming_convention=POSTGRES_INDEXES_NAMING_CONVENTION)
    Table("profile", metadata, Column("id", Integer, primary_key=True))
    Table(
        "post_like",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("profile_id", ForeignKey("profile.id"), index=True),
        Column("post_id", Integer),
        Column("kind", String(10)),
        Column("liked_at", DateTime(timezone=True)),
        Column("published_date", Date),
        UniqueConstraint("profile_id", "post_id"),
        UniqueConstraint("profile_id", "kind"),
        CheckConstraint("post_id > 0", name="positive_post"),
    )
    return metadata


def test_service_tables_follow_naming_rules() -> None:
    assert naming_rule_violations(Base.metadata) == []


def test_service_constraints_follow_naming_convention() -> None:
    assert constraint_name_violations(Base.metadata) == []


class Name(CustomModel):
    name: str


async def test_migrated_database_names_follow_convention(db: Database) -> None:
    # Migrations can name constraints by hand: check what the database really holds.
    query = compile_query(
        text(
            "SELECT conname AS name FROM pg_constraint JOIN pg_namespace n ON n.oid = connamespace "
            "WHERE n.nspname = 'public' AND conrelid::regclass::text <> 'alembic_version' "
            "AND contype <> 'n' "  # PostgreSQL 18 records NOT NULL as <table>_<column>_not_null
            "UNION SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
    )
    names = [row.name for row in await db.fetch_all(query, Name)]

    assert unconventional_names(names) == []


def test_conventions_name_multi_column_constraints_apart() -> None:
    table = sample_metadata().tables["post_like"]
    names = {str(c.name) for c in table.constraints} | {str(i.name) for i in table.indexes}

    assert names >= {
        "post_like_pkey",
        "post_like_profile_id_fkey",
        "post_like_profile_id_post_id_key",
        "post_like_profile_id_kind_key",
        "post_like_positive_post_check",
        "post_like_profile_id_idx",
    }
    assert constraint_name_violations(sample_metadata()) == []
    assert naming_rule_violations(sample_metadata()) == []


@pytest.mark.parametrize(
    ("column", "violation"),
    [
        pytest.param(Column("created", DateTime(timezone=True)), "end with _at", id="datetime"),
        pytest.param(Column("created_at", DateTime()), "timezone=True", id="naive-datetime"),
        pytest.param(Column("birthday", Date), "end with _date", id="date"),
        pytest.param(Column("firstName", String), "lower_snake_case", id="camel-case"),
    ],
)
def test_naming_rules_catch_bad_columns(column: Column[object], violation: str) -> None:
    metadata = MetaData()
    Table("profile", metadata, Column("id", Integer, primary_key=True), column)

    assert [v for v in naming_rule_violations(metadata) if violation in v]


@pytest.mark.parametrize(
    ("table", "violation"),
    [("posts", "singular"), ("post_likes", "singular"), ("PostLike", "lower_snake_case")],
)
def test_naming_rules_catch_bad_tables(table: str, violation: str) -> None:
    metadata = MetaData()
    Table(table, metadata, Column("id", Integer, primary_key=True))

    assert [v for v in naming_rule_violations(metadata) if violation in v]


def test_constraint_check_catches_hand_named_constraints() -> None:
    metadata = MetaData(naming_convention=POSTGRES_INDEXES_NAMING_CONVENTION)
    Table(
        "post",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("slug", String, unique=True),
        UniqueConstraint("id", "slug", name="uniq_post"),
    )
    bare = MetaData()
    Table("post", bare, Column("id", Integer, primary_key=True), Column("slug", String, index=True))

    assert constraint_name_violations(metadata) == [
        "post: uq 'uniq_post' should be 'post_id_slug_key'"
    ]
    assert constraint_name_violations(bare) == [
        "post: pk None should be 'post_pkey'",
        "post: ix 'ix_post_slug' should be 'post_slug_idx'",
    ]
    assert unconventional_names(["post_pkey", "uniq_post", "ix_post_slug"]) == [
        "uniq_post",
        "ix_post_slug",
    ]
