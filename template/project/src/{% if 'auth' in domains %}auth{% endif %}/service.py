"""Users, roles and refresh tokens. Statements are compiled once; what comes back is typed."""

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
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert

from src.auth import security
from src.auth.config import auth_settings
from src.auth.constants import ADMIN_ROLE, ALL_PERMISSIONS, EmailTokenPurpose
from src.auth.exceptions import LastAdmin, UserNotFound
from src.auth.models import AuthEmailToken, AuthRefreshToken, AuthRole, AuthUser, AuthUserRole
from src.auth.schemas import Credentials, ManagedUser, Recipient, RefreshToken, Role, User
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
CREDENTIALS_BY_ID = compile_query(CREDENTIALS.where(AuthUser.id == bindparam("user_id")))
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

# Roles --------------------------------------------------------------------------------------

USER_ROLES = func.coalesce(
    select(func.array_agg(aggregate_order_by(AuthUserRole.role_name, AuthUserRole.role_name)))
    .where(AuthUserRole.user_id == AuthUser.id)
    .scalar_subquery(),
    literal_column("'{}'::varchar[]"),
).label("roles")
MANAGED_USER = select(*USER.selected_columns, EMAIL_VERIFIED, USER_ROLES)
MANAGED_USER_BY_ID = compile_query(MANAGED_USER.where(AuthUser.id == bindparam("user_id")))
LIST_USERS = compile_query(
    MANAGED_USER.order_by(AuthUser.created_at, AuthUser.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
COUNT_USERS = compile_query(select(func.count()).select_from(AuthUser))
LIST_ROLES = compile_query(select(AuthRole.name, AuthRole.permissions).order_by(AuthRole.name))
HAS_ROLE = compile_query(
    select(
        exists().where(
            AuthUserRole.user_id == bindparam("user_id"),
            AuthUserRole.role_name == bindparam("role_name"),
        )
    )
)
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
GRANT_ROLE = compile_query(
    pg_insert(AuthUserRole)
    .values(user_id=bindparam("user_id"), role_name=bindparam("role_name"))
    .on_conflict_do_nothing()
)
REVOKE_ROLE = compile_query(
    delete(AuthUserRole).where(
        AuthUserRole.user_id == bindparam("user_id"),
        AuthUserRole.role_name == bindparam("role_name"),
    )
)
SET_ACTIVE = compile_query(
    update(AuthUser)
    .where(AuthUser.id == bindparam("user_id"))
    .values(is_active=bindparam("active"))
)
ADMIN = (AuthUserRole.role_name == ADMIN_ROLE) & (AuthUserRole.user_id == AuthUser.id)
ACTIVE_ADMINS = compile_query(
    select(func.count()).select_from(AuthUser).where(AuthUser.is_active, exists().where(ADMIN))
)
IS_ACTIVE_ADMIN = compile_query(
    select(
        exists().where(
            AuthUser.id == bindparam("user_id"), AuthUser.is_active, exists().where(ADMIN)
        )
    )
)
# Changes that could leave no active admin run one at a time: two admins demoting each other at
# once would otherwise both see the other one left.
LOCK_ADMINS = compile_query(
    select(func.pg_advisory_xact_lock(func.hashtextextended(literal("auth_role:admin"), 0))),
    writes=True,
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


async def has_permission(db: Database, *, user_id: uuid.UUID, permission: str) -> bool:
    """Whether one of the user's roles grants ``permission`` (or every permission)."""
    return bool(await db.fetch_value(HAS_PERMISSION, bool, user_id=user_id, permission=permission))


async def get_managed_user(db: Database, user_id: uuid.UUID) -> ManagedUser | None:
    return await db.fetch_one(MANAGED_USER_BY_ID, ManagedUser, user_id=user_id)


async def list_users(db: Database, *, limit: int, offset: int) -> tuple[list[ManagedUser], int]:
    """A page of users, oldest first, and how many there are."""
    items = await db.fetch_all(LIST_USERS, ManagedUser, limit=limit, offset=offset)
    return items, await db.fetch_value(COUNT_USERS, int) or 0


async def list_roles(db: Database) -> list[Role]:
    return await db.fetch_all(LIST_ROLES, Role)


async def role_exists(db: Database, *, role_name: str) -> bool:
    return bool(await db.fetch_value(ROLE_EXISTS, bool, role_name=role_name))


async def has_role(db: Database, *, user_id: uuid.UUID, role_name: str) -> bool:
    return bool(await db.fetch_value(HAS_ROLE, bool, user_id=user_id, role_name=role_name))


async def grant_role(db: Database, *, user_id: uuid.UUID, role_name: str) -> None:
    """Give the user the role (idempotent); a user deleted meanwhile is a 404."""
    try:
        await db.execute(GRANT_ROLE, user_id=user_id, role_name=role_name)
    except DatabaseConflict:
        raise UserNotFound from None


async def revoke_role(db: Database, *, user_id: uuid.UUID, role_name: str) -> None:
    """Take the role away (idempotent); never the admin role of the last active admin."""
    if role_name == ADMIN_ROLE:
        await _keep_an_admin(db, user_id=user_id)
    await db.execute(REVOKE_ROLE, user_id=user_id, role_name=role_name)


async def set_user_active(db: Database, *, user_id: uuid.UUID, active: bool) -> None:
    """Deactivation revokes the user's refresh tokens; their access tokens stop working at the
    next request (every route that needs a user reads its row). Never the last active admin."""
    if not active:
        await _keep_an_admin(db, user_id=user_id)
        await revoke_user_tokens(db, user_id=user_id)
    await db.execute(SET_ACTIVE, user_id=user_id, active=active)


async def revoke_user_tokens(db: Database, *, user_id: uuid.UUID) -> None:
    """End every session of the user (all refresh-token families)."""
    await db.execute(REVOKE_USER_TOKENS, user_id=user_id)


async def _keep_an_admin(db: Database, *, user_id: uuid.UUID) -> None:
    await db.execute(LOCK_ADMINS)
    last = (
        await db.fetch_value(IS_ACTIVE_ADMIN, bool, user_id=user_id)
        and (await db.fetch_value(ACTIVE_ADMINS, int) or 0) <= 1
    )
    if last:
        raise LastAdmin


# E-mail tokens and passwords ----------------------------------------------------------------

RECIPIENT_BY_EMAIL = compile_query(
    select(AuthUser.id, AuthUser.email, EMAIL_VERIFIED).where(
        AuthUser.email == bindparam("email"), AuthUser.is_active
    )
)
INSERT_EMAIL_TOKEN = compile_query(
    insert(AuthEmailToken).values(
        user_id=bindparam("user_id"),
        purpose=bindparam("purpose"),
        token_hash=bindparam("token_hash"),
        expires_at=NOW + bindparam("lifetime", type_=Interval()),
    )
)
VALID_EMAIL_TOKEN = (
    AuthEmailToken.token_hash == bindparam("token_hash"),
    AuthEmailToken.purpose == bindparam("purpose"),
    AuthEmailToken.used_at.is_(None),
    AuthEmailToken.expires_at > NOW,
)
EMAIL_TOKEN_USER = compile_query(select(AuthEmailToken.user_id).where(*VALID_EMAIL_TOKEN))
# Single use: of two requests with one token, one updates the row, the other finds it used.
USE_EMAIL_TOKEN = compile_query(
    update(AuthEmailToken)
    .where(*VALID_EMAIL_TOKEN)
    .values(used_at=NOW)
    .returning(AuthEmailToken.user_id)
)
USE_ALL_EMAIL_TOKENS = compile_query(
    update(AuthEmailToken)
    .where(
        AuthEmailToken.user_id == bindparam("user_id"),
        AuthEmailToken.purpose == bindparam("purpose"),
        AuthEmailToken.used_at.is_(None),
    )
    .values(used_at=NOW)
)
MARK_EMAIL_VERIFIED = compile_query(
    update(AuthUser)
    .where(AuthUser.id == bindparam("user_id"), AuthUser.email_verified_at.is_(None))
    .values(email_verified_at=NOW)
)
SET_PASSWORD_HASH = compile_query(
    update(AuthUser)
    .where(AuthUser.id == bindparam("user_id"))
    .values(password_hash=bindparam("password_hash"))
)
# Compare-and-set: the hash the current password was verified against must still be there.
REPLACE_PASSWORD_HASH = compile_query(
    update(AuthUser)
    .where(AuthUser.id == bindparam("user_id"), AuthUser.password_hash == bindparam("old_hash"))
    .values(password_hash=bindparam("password_hash"))
)


async def get_recipient(db: Database, *, email: str) -> Recipient | None:
    """The active user of this address, if any."""
    return await db.fetch_one(RECIPIENT_BY_EMAIL, Recipient, email=email.lower())


async def create_email_token(
    db: Database, *, user_id: uuid.UUID, purpose: EmailTokenPurpose
) -> str:
    """Store a new single-use token (its hash) and return its clear value, for the e-mail."""
    token = security.new_refresh_token()
    lifetime = (
        auth_settings.RESET_TOKEN_EXP
        if purpose is EmailTokenPurpose.RESET
        else auth_settings.VERIFICATION_TOKEN_EXP
    )
    await db.execute(
        INSERT_EMAIL_TOKEN,
        user_id=user_id,
        purpose=purpose,
        token_hash=security.hash_refresh_token(token),
        lifetime=lifetime,
    )
    return token


async def use_email_token(
    db: Database, *, token: str, purpose: EmailTokenPurpose
) -> uuid.UUID | None:
    """Consume the token: its user, or None when it is unknown, used, expired or of another
    purpose."""
    token_hash = security.hash_refresh_token(token)
    return await db.fetch_value(USE_EMAIL_TOKEN, uuid.UUID, token_hash=token_hash, purpose=purpose)


async def verify_email(db: Database, *, token: str) -> bool:
    user_id = await use_email_token(db, token=token, purpose=EmailTokenPurpose.VERIFY)
    if user_id is None:
        return False
    await db.execute(MARK_EMAIL_VERIFIED, user_id=user_id)
    return True


async def reset_password(db: Database, *, token: str, password: str) -> bool:
    """Set a new password with a reset token; every session of the user ends, and every other
    reset link of theirs stops working. False for a token that is not valid."""
    token_hash = security.hash_refresh_token(token)
    purpose = EmailTokenPurpose.RESET
    # A read first: no Argon2 work for a forged token, and no transaction open while it runs.
    if await db.fetch_value(EMAIL_TOKEN_USER, uuid.UUID, token_hash=token_hash, purpose=purpose):
        await db.release()
        password_hash = await security.hash_password(password)
        user_id = await use_email_token(db, token=token, purpose=purpose)
        if user_id is not None:  # not used meanwhile
            await _set_password_hash(db, user_id=user_id, password_hash=password_hash)
            await db.execute(USE_ALL_EMAIL_TOKENS, user_id=user_id, purpose=purpose)
            return True
    return False


async def change_password(
    db: Database, *, user_id: uuid.UUID, current_password: str, new_password: str
) -> bool:
    """False when ``current_password`` is wrong, or stopped being right meanwhile (a change or
    reset that won a race: the password it verified is no longer the one stored)."""
    credentials = await db.fetch_one(CREDENTIALS_BY_ID, Credentials, user_id=user_id)
    await db.release()  # no pooled connection waits while Argon2 runs
    hashed = credentials.password_hash if credentials else None
    if not await security.verify_password(current_password, hashed) or credentials is None:
        return False
    password_hash = await security.hash_password(new_password)
    return await _set_password_hash(
        db, user_id=user_id, password_hash=password_hash, replacing=credentials.password_hash
    )


async def _set_password_hash(
    db: Database, *, user_id: uuid.UUID, password_hash: str, replacing: str | None = None
) -> bool:
    """Store the user's new hash and end every session of theirs. With ``replacing``, only while
    the stored hash is still that one (compare-and-set): False when another change won."""
    if replacing is None:
        await db.execute(SET_PASSWORD_HASH, user_id=user_id, password_hash=password_hash)
    else:
        replaced = await db.execute(
            REPLACE_PASSWORD_HASH, user_id=user_id, old_hash=replacing, password_hash=password_hash
        )
        if replaced != 1:
            return False
    await revoke_user_tokens(db, user_id=user_id)
    return True


def user_json(user_id: SQLColumnExpression[uuid.UUID]) -> ScalarSelect[Any]:
    """The public fields of the user ``user_id`` (id and display name, never the e-mail) as one
    JSON object, for other domains' queries: a correlated subquery, so a listing aggregates its
    users in PostgreSQL without importing this domain's models."""
    return (
        select(func.json_build_object("id", AuthUser.id, "display_name", AuthUser.display_name))
        .where(AuthUser.id == user_id)
        .scalar_subquery()
    )
