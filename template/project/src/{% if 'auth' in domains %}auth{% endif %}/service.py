import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ScalarSelect, SQLColumnExpression, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from src.auth import security
from src.auth.config import auth_settings
from src.auth.models import AuthRefreshToken, AuthUser


async def get_user_by_id(session: AsyncSession, user_id: uuid.UUID) -> AuthUser | None:
    return await session.get(AuthUser, user_id)


async def get_user_by_email(session: AsyncSession, *, email: str) -> AuthUser | None:
    return await session.scalar(select(AuthUser).where(AuthUser.email == email.lower()))


async def create_user(session: AsyncSession, *, email: str, password: str) -> AuthUser | None:
    """The new user, or None when the e-mail was taken meanwhile."""
    user = AuthUser(email=email.lower(), password_hash=await security.hash_password(password))
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    await session.refresh(user)
    return user


async def authenticate_user(session: AsyncSession, *, email: str, password: str) -> AuthUser | None:
    user = await get_user_by_email(session, email=email)
    valid = await security.verify_password(password, user.password_hash if user else None)
    return user if valid else None


async def create_refresh_token(
    session: AsyncSession, *, user_id: uuid.UUID, family_id: uuid.UUID | None = None
) -> str:
    """Store a new refresh token (a new family at login) and return its clear value."""
    token = security.new_refresh_token()
    session.add(
        AuthRefreshToken(
            user_id=user_id,
            family_id=family_id or uuid.uuid4(),
            token_hash=security.hash_refresh_token(token),
            expires_at=datetime.now(UTC) + auth_settings.REFRESH_TOKEN_EXP,
        )
    )
    await session.commit()
    return token


async def get_refresh_token(session: AsyncSession, *, token: str) -> AuthRefreshToken | None:
    token_hash = security.hash_refresh_token(token)
    return await session.scalar(
        select(AuthRefreshToken).where(AuthRefreshToken.token_hash == token_hash)
    )


async def mark_refresh_token_used(session: AsyncSession, refresh_token: AuthRefreshToken) -> bool:
    """Mark it used; False if another request used it first (the caller treats it as reuse)."""
    marked = await session.scalar(
        update(AuthRefreshToken)
        .where(AuthRefreshToken.id == refresh_token.id, AuthRefreshToken.used_at.is_(None))
        .values(used_at=datetime.now(UTC))
        .returning(AuthRefreshToken.id)
    )
    await session.commit()
    return marked is not None


async def revoke_refresh_token_family(session: AsyncSession, *, family_id: uuid.UUID) -> None:
    await session.execute(
        update(AuthRefreshToken)
        .where(AuthRefreshToken.family_id == family_id, AuthRefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    await session.commit()


def user_json(user_id: SQLColumnExpression[uuid.UUID]) -> ScalarSelect[Any]:
    """The public fields of the user ``user_id`` as one JSON object, for other domains' queries.

    A correlated subquery, so a listing aggregates its users in PostgreSQL (P21) without
    importing this domain's models.
    """
    return (
        select(func.json_build_object("id", AuthUser.id, "email", AuthUser.email))
        .where(AuthUser.id == user_id)
        .scalar_subquery()
    )
