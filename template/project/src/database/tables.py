"""The models' base: every table is a SQLAlchemy model on ``Base`` (Alembic migrates them)."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# The guide's convention, with %(column_0_N_name)s where it used %(column_0_name)s: two
# multi-column unique constraints or foreign keys starting with the same column would collide.
POSTGRES_INDEXES_NAMING_CONVENTION = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=POSTGRES_INDEXES_NAMING_CONVENTION)
