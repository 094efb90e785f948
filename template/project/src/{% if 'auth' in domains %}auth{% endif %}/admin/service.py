"""Managing users and roles (routes that need ``users:manage``): never leaves the service
without an active admin."""

import uuid

from sqlalchemy import bindparam, delete, exists, func, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert

from src.auth import service
from src.auth.constants import ADMIN_ROLE
from src.auth.exceptions import LastAdmin, UserNotFound
from src.auth.models import AuthRole, AuthUser, AuthUserRole
from src.auth.schemas import ManagedUser, Role
from src.database import Database, compile_query
from src.exceptions import DatabaseConflict

USER_ROLES = func.coalesce(
    select(func.array_agg(aggregate_order_by(AuthUserRole.role_name, AuthUserRole.role_name)))
    .where(AuthUserRole.user_id == AuthUser.id)
    .scalar_subquery(),
    literal_column("'{}'::varchar[]"),
).label("roles")
MANAGED_USER = select(*service.USER.selected_columns, service.EMAIL_VERIFIED, USER_ROLES)
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


async def get_managed_user(db: Database, user_id: uuid.UUID) -> ManagedUser | None:
    return await db.fetch_one(MANAGED_USER_BY_ID, ManagedUser, user_id=user_id)


async def list_users(db: Database, *, limit: int, offset: int) -> tuple[list[ManagedUser], int]:
    """A page of users, oldest first, and how many there are."""
    items = await db.fetch_all(LIST_USERS, ManagedUser, limit=limit, offset=offset)
    return items, await db.fetch_value(COUNT_USERS, int) or 0


async def list_roles(db: Database) -> list[Role]:
    return await db.fetch_all(LIST_ROLES, Role)


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
        await service.revoke_user_tokens(db, user_id=user_id)
    await db.execute(SET_ACTIVE, user_id=user_id, active=active)


async def _keep_an_admin(db: Database, *, user_id: uuid.UUID) -> None:
    await db.execute(LOCK_ADMINS)
    last = (
        await db.fetch_value(IS_ACTIVE_ADMIN, bool, user_id=user_id)
        and (await db.fetch_value(ACTIVE_ADMINS, int) or 0) <= 1
    )
    if last:
        raise LastAdmin
