"""Users, their sessions (refresh tokens) and the permission checks of every request.
Statements are compiled once; what comes back is typed. Managing users and roles lives in
``src/auth/admin``, passwords and e-mail links in ``src/auth/credentials``."""

import uuid
from typing import Any

from sqlalchemy import (
    Interval,
    ScalarSelect,
    SQLColumnExpression,
    Text,
    Uuid,
    any_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from src.auth import security
from src.auth.config import auth_settings
from src.auth.constants import ALL_PERMISSIONS
from src.auth.models import AuthRefreshToken, AuthRole, AuthUser, AuthUserRole
from src.auth.schemas import Credentials, RefreshToken, User
from src.database import Database, compile_query, json_row
from src.exceptions import DatabaseConflict

USER = select(
    AuthUser.id, AuthUser.email, AuthUser.display_name, AuthUser.is_active, AuthUser.created_at
)
ONE_USER = USER.where(AuthUser.id == bindparam("user_id"))
USER_BY_ID = compile_query(ONE_USER)
# Hot read (GET /auth/users/me): PostgreSQL builds the UserResponse of an active user.
ACTIVE_USER_JSON = compile_query(json_row(ONE_USER.where(AuthUser.is_active)))
USER_ID_BY_EMAIL = compile_query(select(AuthUser.id).where(AuthUser.email == bindparam("email")))
EMAIL_VERIFIED = AuthUser.email_verified_at.is_not(None).label("email_verified")
CREDENTIALS = select(AuthUser.id, AuthUser.is_active, EMAIL_VERIFIED, AuthUser.password_hash)
CREDENTIALS_BY_EMAIL = compile_query(CREDENTIALS.where(AuthUser.email == bindparam("email")))
INSERT_USER = compile_query(
    insert(AuthUser)
    .values(
        id=bindparam("user_id"),
        email=bindparam("email"),
        display_name=bindparam("display_name"),
        password_hash=bindparam("password_hash"),
    )
    .returning(*USER.selected_columns)
)

NOW = func.statement_timestamp()
INSERT_REFRESH_TOKEN = compile_query(
    insert(AuthRefreshToken).values(
        user_id=bindparam("user_id"),
        family_id=bindparam("family_id"),
        token_hash=bindparam("token_hash"),
        expires_at=NOW + bindparam("lifetime", type_=Interval()),
    )
)
REFRESH_TOKEN = select(
    AuthRefreshToken.id,
    AuthRefreshToken.user_id,
    AuthRefreshToken.family_id,
    (AuthRefreshToken.expires_at <= NOW).label("expired"),
    AuthRefreshToken.used_at,
    (AuthRefreshToken.used_at >= NOW - bindparam("grace", type_=Interval())).label("recently_used"),
    AuthRefreshToken.revoked_at,
).where(AuthRefreshToken.token_hash == bindparam("token_hash"))
GET_REFRESH_TOKEN = compile_query(REFRESH_TOKEN)
# One refresh, logout or revocation of a family at a time: a refresh overlapping a logout can
# then neither mint a token in a revoked family nor miss one the logout must revoke.
FAMILY_KEY = func.hashtextextended(cast(bindparam("family_id", type_=Uuid()), Text), 0)
LOCK_FAMILY = compile_query(select(func.pg_advisory_xact_lock(FAMILY_KEY)), writes=True)
MARK_USED = compile_query(
    update(AuthRefreshToken)
    .where(AuthRefreshToken.id == bindparam("token_id"), AuthRefreshToken.used_at.is_(None))
    .values(used_at=NOW)
)
REVOKE_USER_TOKENS = compile_query(
    update(AuthRefreshToken)
    .where(AuthRefreshToken.user_id == bindparam("user_id"), AuthRefreshToken.revoked_at.is_(None))
    .values(revoked_at=NOW)
)
REVOKE_FAMILY = compile_query(
    update(AuthRefreshToken)
    .where(
        AuthRefreshToken.family_id == bindparam("family_id"), AuthRefreshToken.revoked_at.is_(None)
    )
    .values(revoked_at=NOW)
)
# The role checks of a request (managing roles is src/auth/admin/service.py).
ROLE_EXISTS = compile_query(select(exists().where(AuthRole.name == bindparam("role_name"))))
HAS_PERMISSION = compile_query(
    select(
        exists().where(
            AuthUserRole.user_id == bindparam("user_id"),
            AuthUserRole.role_name == AuthRole.name,
            or_(
                bindparam("permission", type_=Text) == any_(AuthRole.permissions),
                literal(ALL_PERMISSIONS) == any_(AuthRole.permissions),
            ),
        )
    )
)


async def get_user_by_id(db: Database, user_id: uuid.UUID) -> User | None:
    return await db.fetch_one(USER_BY_ID, User, user_id=user_id)


async def get_active_user_json(db: Database, user_id: uuid.UUID) -> bytes | None:
    """An active user as the JSON of a ``UserResponse``; None for an unknown or inactive one."""
    return await db.fetch_json(ACTIVE_USER_JSON, user_id=user_id)


async def email_exists(db: Database, *, email: str) -> bool:
    return await get_user_id_by_email(db, email=email) is not None


async def get_user_id_by_email(db: Database, *, email: str) -> uuid.UUID | None:
    return await db.fetch_value(USER_ID_BY_EMAIL, uuid.UUID, email=email.lower())


async def create_user(
    db: Database, *, email: str, password: str, display_name: str | None
) -> User | None:
    """The new user, or None when the e-mail was taken meanwhile."""
    await db.release()  # no pooled connection waits while Argon2 runs
    password_hash = await security.hash_password(password)
    user_id = uuid.uuid4()
    try:
        return await db.fetch_one(
            INSERT_USER,
            User,
            user_id=user_id,
            email=email.lower(),
            # Says nothing about the user: the start of their (public) id.
            display_name=display_name or f"user-{user_id.hex[:8]}",
            password_hash=password_hash,
        )
    except DatabaseConflict:
        return None


async def authenticate_user(db: Database, *, email: str, password: str) -> Credentials | None:
    credentials = await db.fetch_one(CREDENTIALS_BY_EMAIL, Credentials, email=email.lower())
    await db.release()  # no pooled connection waits while Argon2 runs
    hashed = credentials.password_hash if credentials else None
    valid = await security.verify_password(password, hashed)
    return credentials if valid else None


async def create_refresh_token(
    db: Database, *, user_id: uuid.UUID, family_id: uuid.UUID | None = None
) -> str:
    """Store a new refresh token (a new family at login) and return its clear value."""
    token = security.new_refresh_token()
    await db.execute(
        INSERT_REFRESH_TOKEN,
        user_id=user_id,
        family_id=family_id or uuid.uuid4(),
        token_hash=security.hash_refresh_token(token),
        lifetime=auth_settings.REFRESH_TOKEN_EXP,
    )
    return token


async def get_refresh_token(db: Database, *, token: str) -> RefreshToken | None:
    return await db.fetch_one(
        GET_REFRESH_TOKEN,
        RefreshToken,
        token_hash=security.hash_refresh_token(token),
        grace=auth_settings.REFRESH_TOKEN_REUSE_GRACE,
    )


async def lock_refresh_token_family(db: Database, *, family_id: uuid.UUID) -> None:
    """Serialize with every other change of this family until the request's transaction ends."""
    await db.execute(LOCK_FAMILY, family_id=family_id)


async def mark_refresh_token_used(db: Database, *, token_id: uuid.UUID) -> bool:
    """Mark it used; False if another request used it first."""
    return await db.execute(MARK_USED, token_id=token_id) == 1


async def revoke_refresh_token_family(db: Database, *, family_id: uuid.UUID) -> None:
    await db.execute(REVOKE_FAMILY, family_id=family_id)


async def revoke_user_tokens(db: Database, *, user_id: uuid.UUID) -> None:
    """End every session of the user (all refresh-token families)."""
    await db.execute(REVOKE_USER_TOKENS, user_id=user_id)


async def has_permission(db: Database, *, user_id: uuid.UUID, permission: str) -> bool:
    """Whether one of the user's roles grants ``permission`` (or every permission)."""
    return bool(await db.fetch_value(HAS_PERMISSION, bool, user_id=user_id, permission=permission))


async def role_exists(db: Database, *, role_name: str) -> bool:
    return bool(await db.fetch_value(ROLE_EXISTS, bool, role_name=role_name))


def user_json(user_id: SQLColumnExpression[uuid.UUID]) -> ScalarSelect[Any]:
    """The public fields of the user ``user_id`` (id and display name, never the e-mail) as one
    JSON object, for other domains' queries: a correlated subquery, so a listing aggregates its
    users in PostgreSQL without importing this domain's models."""
    return (
        select(func.json_build_object("id", AuthUser.id, "display_name", AuthUser.display_name))
        .where(AuthUser.id == user_id)
        .scalar_subquery()
    )
