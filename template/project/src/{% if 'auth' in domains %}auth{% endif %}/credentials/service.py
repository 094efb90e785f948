"""What a user proves who they are with: the password (changed, or reset by an e-mail link)
and the e-mail address (verified by a link). Links carry single-use tokens, stored hashed."""

import uuid

from sqlalchemy import Interval, bindparam, insert, select, update

from src.auth import security, service, utils
from src.auth.constants import EmailTokenPurpose
from src.auth.models import AuthEmailToken, AuthUser
from src.auth.schemas import Credentials, Recipient
from src.database import Database, compile_query

CREDENTIALS_BY_ID = compile_query(service.CREDENTIALS.where(AuthUser.id == bindparam("user_id")))
RECIPIENT_BY_EMAIL = compile_query(
    select(AuthUser.id, AuthUser.email, service.EMAIL_VERIFIED).where(
        AuthUser.email == bindparam("email"), AuthUser.is_active
    )
)
INSERT_EMAIL_TOKEN = compile_query(
    insert(AuthEmailToken).values(
        user_id=bindparam("user_id"),
        purpose=bindparam("purpose"),
        token_hash=bindparam("token_hash"),
        expires_at=service.NOW + bindparam("lifetime", type_=Interval()),
    )
)
VALID_EMAIL_TOKEN = (
    AuthEmailToken.token_hash == bindparam("token_hash"),
    AuthEmailToken.purpose == bindparam("purpose"),
    AuthEmailToken.used_at.is_(None),
    AuthEmailToken.expires_at > service.NOW,
)
EMAIL_TOKEN_USER = compile_query(select(AuthEmailToken.user_id).where(*VALID_EMAIL_TOKEN))
# Single use: of two requests with one token, one updates the row, the other finds it used.
USE_EMAIL_TOKEN = compile_query(
    update(AuthEmailToken)
    .where(*VALID_EMAIL_TOKEN)
    .values(used_at=service.NOW)
    .returning(AuthEmailToken.user_id)
)
USE_ALL_EMAIL_TOKENS = compile_query(
    update(AuthEmailToken)
    .where(
        AuthEmailToken.user_id == bindparam("user_id"),
        AuthEmailToken.purpose == bindparam("purpose"),
        AuthEmailToken.used_at.is_(None),
    )
    .values(used_at=service.NOW)
)
MARK_EMAIL_VERIFIED = compile_query(
    update(AuthUser)
    .where(AuthUser.id == bindparam("user_id"), AuthUser.email_verified_at.is_(None))
    .values(email_verified_at=service.NOW)
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
    await db.execute(
        INSERT_EMAIL_TOKEN,
        user_id=user_id,
        purpose=purpose,
        token_hash=security.hash_refresh_token(token),
        lifetime=utils.email_link(purpose).lifetime,
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
    await service.revoke_user_tokens(db, user_id=user_id)
    return True
