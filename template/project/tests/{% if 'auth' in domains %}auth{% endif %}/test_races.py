"""Refresh and admin races with real concurrent requests (the real pool, real commits)."""

import asyncio
from datetime import timedelta

import pytest
from fastapi import status
from httpx import AsyncClient, Response

from src.auth import service
from src.auth.config import auth_settings
from src.auth.constants import ADMIN_ROLE
from src.config import settings
from src.database import Database, DatabasePool
from src.main import app
from tests.auth.conftest import PASSWORD, grant, log_in, login, register

REFRESH = auth_settings.REFRESH_TOKEN_COOKIE


async def refresh(client: AsyncClient, token: str) -> Response:
    return await client.put(
        app.url_path_for("refresh_tokens"), headers={"Cookie": f"{REFRESH}={token}"}
    )


async def logout(client: AsyncClient, token: str) -> Response:
    return await client.delete(
        app.url_path_for("delete_tokens"), headers={"Cookie": f"{REFRESH}={token}"}
    )


async def test_ten_tabs_refreshing_at_once_all_stay_logged_in(
    committed_client: AsyncClient,
) -> None:
    await register(committed_client, "ada@example.com")
    token = (await login(committed_client, "ada@example.com")).cookies[REFRESH]

    answers = await asyncio.gather(*(refresh(committed_client, token) for _ in range(10)))

    assert [answer.status_code for answer in answers] == [200] * 10
    for answer in answers:  # and every tab's new token works
        assert (await refresh(committed_client, answer.cookies[REFRESH])).status_code == 200


async def test_reuse_after_the_grace_window_revokes_the_session(
    committed_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth_settings, "REFRESH_TOKEN_REUSE_GRACE", timedelta(milliseconds=100))
    await register(committed_client, "ada@example.com")
    stolen = (await login(committed_client, "ada@example.com")).cookies[REFRESH]
    rotated = (await refresh(committed_client, stolen)).cookies[REFRESH]
    await asyncio.sleep(0.25)

    reuse = await refresh(committed_client, stolen)
    after = await refresh(committed_client, rotated)

    assert reuse.status_code == status.HTTP_401_UNAUTHORIZED
    assert after.status_code == status.HTTP_401_UNAUTHORIZED


async def test_a_refresh_racing_a_logout_mints_no_working_token(
    committed_client: AsyncClient,
) -> None:
    await register(committed_client, "ada@example.com")
    survivors = []
    for _ in range(5):
        token = (await login(committed_client, "ada@example.com")).cookies[REFRESH]
        refreshed, logged_out = await asyncio.gather(
            refresh(committed_client, token), logout(committed_client, token)
        )
        assert logged_out.status_code == status.HTTP_204_NO_CONTENT
        assert refreshed.status_code in {200, 401}
        if refreshed.status_code == status.HTTP_200_OK:
            again = await refresh(committed_client, refreshed.cookies[REFRESH])
            survivors.append(again.status_code)

    assert all(code == status.HTTP_401_UNAUTHORIZED for code in survivors), survivors


async def test_two_admins_demoting_each_other_at_once_leave_one(
    committed_client: AsyncClient,
) -> None:
    """The last-admin check and the change run under one lock: without it, both demotions see
    the other admin left, and the service ends with none."""
    tokens, ids = {}, {}
    pool = DatabasePool(settings)
    try:
        for name in ("ada", "bob"):
            email = f"{name}@example.com"
            await register(committed_client, email)
            async with Database(pool) as db:
                await grant(db, email, ADMIN_ROLE)
                ids[name] = await service.get_user_id_by_email(db, email=email)
            tokens[name] = (await login(committed_client, email)).json()["access_token"]
    finally:
        await pool.close()

    answers = await asyncio.gather(
        *(
            committed_client.delete(
                app.url_path_for("revoke_role", user_id=str(ids[other]), role_name=ADMIN_ROLE),
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
            for name, other in (("ada", "bob"), ("bob", "ada"))
        )
    )

    # The loser is checked after the winner's change (403: no longer an admin) or waits on the
    # lock and finds the last admin (409); never both 200.
    codes = sorted(answer.status_code for answer in answers)
    assert codes in ([200, 403], [200, 409]), codes
    listed = await committed_client.get(
        app.url_path_for("list_users"),
        headers={"Authorization": f"Bearer {tokens['ada' if answers[1].is_error else 'bob']}"},
    )
    assert [user["roles"] for user in listed.json()["items"]].count([ADMIN_ROLE]) == 1


async def test_password_changes_racing_on_one_current_password_let_one_win(
    committed_client: AsyncClient,
) -> None:
    """Each change verifies the current password, then writes: without a compare-and-set, every
    racer is told its new password is set while only the last write holds."""
    await register(committed_client, "ada@example.com")
    headers = (await log_in(committed_client, "ada@example.com")).headers
    new_passwords = [f"N3w!Passw0rd{index}" for index in range(5)]

    answers = await asyncio.gather(
        *(
            committed_client.put(
                app.url_path_for("change_password"),
                json={"current_password": PASSWORD, "new_password": new_password},
                headers=headers,
            )
            for new_password in new_passwords
        )
    )

    codes = [answer.status_code for answer in answers]
    assert sorted(codes) == [204] + [403] * 4, codes
    winner = new_passwords[codes.index(status.HTTP_204_NO_CONTENT)]
    logins = [await login(committed_client, "ada@example.com", p) for p in new_passwords]
    assert [p for p, answer in zip(new_passwords, logins, strict=True) if answer.is_success] == [
        winner
    ]
