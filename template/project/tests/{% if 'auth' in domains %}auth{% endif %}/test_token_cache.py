"""Verified access tokens are kept (checked once per token), and still expire on time."""

import time
import uuid

import jwt
import pytest

from src.auth import security
from src.auth.config import auth_settings


def test_a_kept_token_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    user_id = uuid.uuid4()
    token = security.create_access_token(user_id)
    first = security.decode_access_token(token)

    def no_second_check(*args: object, **kwargs: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(jwt, "decode", no_second_check)
    again = security.decode_access_token(token)

    assert first is not None
    assert again is first


def test_a_kept_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = security.create_access_token(uuid.uuid4())
    assert security.decode_access_token(token) is not None
    expired = time.time() + auth_settings.JWT_EXP.total_seconds()

    monkeypatch.setattr(time, "time", lambda: expired)

    assert security.decode_access_token(token) is None
