import pytest
from pydantic import ValidationError

from src.auth import config as auth_config
from src.auth.config import AuthConfig
from src.mail import MailConfig


def test_reads_its_own_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("AUTH_JWT_EXP", "PT5M")
    monkeypatch.setenv("JWT_SECRET", "not-mine")

    config = AuthConfig(_env_file=None)

    assert config.JWT_SECRET.get_secret_value() == "x" * 40
    assert config.JWT_EXP.total_seconds() == 300


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_missing_secret_fails_outside_local(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.delenv("AUTH_JWT_SECRET", raising=False)

    with pytest.raises(ValidationError, match=f"AUTH_JWT_SECRET is required in {environment}"):
        AuthConfig(_env_file=None)


def test_short_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_JWT_SECRET", "too-short")

    with pytest.raises(ValidationError, match="at least 32 characters"):
        AuthConfig(_env_file=None)


def test_local_runs_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "local")
    monkeypatch.delenv("AUTH_JWT_SECRET", raising=False)

    assert len(AuthConfig(_env_file=None).JWT_SECRET.get_secret_value()) >= 32


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_insecure_cookies_are_refused_when_deployed(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv("AUTH_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("AUTH_SECURE_COOKIES", "false")

    with pytest.raises(
        ValidationError, match=f"refresh tokens over plain HTTP: refused in {environment}"
    ):
        AuthConfig(_env_file=None)


def test_insecure_cookies_are_allowed_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "local")
    monkeypatch.setenv("AUTH_SECURE_COOKIES", "false")

    assert AuthConfig(_env_file=None).SECURE_COOKIES is False


def test_a_refused_secret_is_not_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "a-short-secret-ending-in-qwxzt"
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_JWT_SECRET", secret)

    with pytest.raises(ValidationError) as refused:
        AuthConfig(_env_file=None)

    assert "at least 32 characters" in str(refused.value)
    assert "qwxzt" not in str(refused.value)


def test_required_verification_needs_mail_when_deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("AUTH_VERIFIED_EMAIL_REQUIRED", "true")

    with pytest.raises(ValidationError, match="AUTH_VERIFIED_EMAIL_REQUIRED=true needs MAIL_HOST"):
        AuthConfig(_env_file=None)
    smtp = MailConfig(HOST="smtp.example.com", FROM="service@example.com")
    monkeypatch.setattr(auth_config, "mail_settings", smtp)
    assert AuthConfig(_env_file=None).VERIFIED_EMAIL_REQUIRED is True
