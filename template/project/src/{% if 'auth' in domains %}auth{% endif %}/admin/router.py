"""Managing users and roles: routes for users whose roles grant ``users:manage`` (admins),
under /auth (included by ``src/auth/router.py``)."""

import uuid

from fastapi import APIRouter, status

from src.auth.admin import service
from src.auth.dependencies import UserManagerDep, ValidRoleNameDep, ValidUserIdDep
from src.auth.exceptions import UserNotFound
from src.auth.schemas import ManagedUser, ManagedUserPage, Role
from src.database import DbDep
from src.exceptions import error_responses
from src.pagination import PaginationDep

router = APIRouter()

MANAGERS = error_responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN)
MANAGED_USER = error_responses(
    status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND
)
# ... and that could leave the service without an active admin.
ADMIN_CHANGE = error_responses(
    status.HTTP_401_UNAUTHORIZED,
    status.HTTP_403_FORBIDDEN,
    status.HTTP_404_NOT_FOUND,
    status.HTTP_409_CONFLICT,
)


@router.get(
    "/users",
    status_code=status.HTTP_200_OK,
    summary="List users",
    responses=MANAGERS,
)
async def list_users(_manager: UserManagerDep, db: DbDep, page: PaginationDep) -> ManagedUserPage:
    """Every user with their roles, oldest first (needs `users:manage`)."""
    items, total = await service.list_users(db, limit=page.limit, offset=page.offset)
    return ManagedUserPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/roles",
    status_code=status.HTTP_200_OK,
    summary="List roles",
    responses=MANAGERS,
)
async def list_roles(_manager: UserManagerDep, db: DbDep) -> list[Role]:
    """The roles and the permissions each grants (needs `users:manage`)."""
    return await service.list_roles(db)


@router.delete(
    "/users/{user_id}/active",
    status_code=status.HTTP_200_OK,
    summary="Deactivate a user",
    responses=ADMIN_CHANGE,
)
async def deactivate_user(
    _manager: UserManagerDep, user_id: ValidUserIdDep, db: DbDep
) -> ManagedUser:
    """End the user's sessions; their next request is refused (needs `users:manage`; never the
    last active admin)."""
    await service.set_user_active(db, user_id=user_id, active=False)
    return await _managed_user(db, user_id)


@router.put(
    "/users/{user_id}/active",
    status_code=status.HTTP_200_OK,
    summary="Reactivate a user",
    responses=MANAGED_USER,
)
async def reactivate_user(
    _manager: UserManagerDep, user_id: ValidUserIdDep, db: DbDep
) -> ManagedUser:
    """Let a deactivated user log in again (needs `users:manage`)."""
    await service.set_user_active(db, user_id=user_id, active=True)
    return await _managed_user(db, user_id)


@router.put(
    "/users/{user_id}/roles/{role_name}",
    status_code=status.HTTP_200_OK,
    summary="Grant a role",
    responses=MANAGED_USER,
)
async def grant_role(
    _manager: UserManagerDep, user_id: ValidUserIdDep, role_name: ValidRoleNameDep, db: DbDep
) -> ManagedUser:
    """Give the user a role (idempotent; needs `users:manage`)."""
    await service.grant_role(db, user_id=user_id, role_name=role_name)
    return await _managed_user(db, user_id)


@router.delete(
    "/users/{user_id}/roles/{role_name}",
    status_code=status.HTTP_200_OK,
    summary="Revoke a role",
    responses=ADMIN_CHANGE,
)
async def revoke_role(
    _manager: UserManagerDep, user_id: ValidUserIdDep, role_name: ValidRoleNameDep, db: DbDep
) -> ManagedUser:
    """Take a role away (idempotent; needs `users:manage`; never the last active admin's
    admin role)."""
    await service.revoke_role(db, user_id=user_id, role_name=role_name)
    return await _managed_user(db, user_id)


async def _managed_user(db: DbDep, user_id: uuid.UUID) -> ManagedUser:
    user = await service.get_managed_user(db, user_id)
    if user is None:  # deleted meanwhile
        raise UserNotFound
    return user
