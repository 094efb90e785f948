"""Refresh races with real concurrent requests (the real pool, real commits)."""

import asyncio
from datetime import timedelta

import pytest
from fastapi import status
from httpx import AsyncClient, Response

from src.auth.config import auth_settings
from src.main import app
from tests.auth.conftest import login, register

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
    monkeypatch.setattr(auth_settings, "REFRESH_TOKEN_REUSE_GRACE", timedelta(milliseconds=200))
    await register(committed_client, "ada@example.com")
    stolen = (await login(committed_client, "ada@example.com")).cookies[REFRESH]
    rotated = (await refresh(committed_client, stolen)).cookies[REFRESH]
    await asyncio.sleep(0.5)

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
