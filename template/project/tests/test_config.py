import pytest
from pydantic import ValidationError

from src.config import Config
from src.constants import Environment


def test_reads_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.internal:5433/app")
    monkeypatch.setenv("ENVIRONMENT", "staging")
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example.com"]')

    config = Config(_env_file=None)

    url = "postgresql+asyncpg://app:secret@db.internal:5433/app"
    assert config.DATABASE_URL.get_secret_value() == url
    assert config.ENVIRONMENT is Environment.STAGING
    assert config.CORS_ORIGINS == ["https://app.example.com"]


def test_missing_database_url_fails_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL")

    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Config(_env_file=None)


def test_non_postgresql_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be a PostgreSQL URL"):
        Config(_env_file=None, DATABASE_URL="mysql://root@localhost/app")


def test_wildcard_origin_with_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="list the allowed origins explicitly"):
        Config(_env_file=None, CORS_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=True)


@pytest.mark.parametrize(
    "regex", [".*", r"https://.*", r"https?://.+"], ids=["anything", "any-https", "any-host"]
)
def test_catch_all_origin_regex_with_credentials_is_refused(regex: str) -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS_REGEX matches any origin"):
        Config(_env_file=None, CORS_ORIGINS_REGEX=regex, CORS_ALLOW_CREDENTIALS=True)


def test_anchored_origin_regex_is_accepted() -> None:
    regex = r"https://[a-z0-9-]+\.example\.com"

    assert regex == Config(_env_file=None, CORS_ORIGINS_REGEX=regex).CORS_ORIGINS_REGEX


def test_invalid_origin_regex_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS_REGEX is not a valid regular"):
        Config(_env_file=None, CORS_ORIGINS_REGEX="https://(")


@pytest.mark.parametrize("environment", [Environment.STAGING, Environment.PRODUCTION])
def test_debug_is_refused_when_deployed(environment: Environment) -> None:
    with pytest.raises(ValidationError, match=f"DEBUG=true sends tracebacks .* in {environment}"):
        Config(_env_file=None, ENVIRONMENT=environment, DEBUG=True)


@pytest.mark.parametrize("environment", [Environment.LOCAL, Environment.TESTING])
def test_debug_is_allowed_locally(environment: Environment) -> None:
    assert Config(_env_file=None, ENVIRONMENT=environment, DEBUG=True).DEBUG


@pytest.mark.parametrize(
    "url", ["not a url s3cr3t", "postgresql//user:s3cr3t@host/app"], ids=["words", "no-scheme"]
)
def test_unparsable_database_url_is_a_settings_error_without_its_value(url: str) -> None:
    """SQLAlchemy's own ArgumentError is no ValueError: it escaped as a bare traceback."""
    with pytest.raises(ValidationError, match="DATABASE_URL is not a URL") as error:
        Config(_env_file=None, DATABASE_URL=url)

    assert "s3cr3t" not in str(error.value)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_infinite_durations_are_refused(value: str) -> None:
    """`inf` passed gt=0 and failed later: int(inf) in every connection's statement_timeout."""
    with pytest.raises(ValidationError, match="DATABASE_STATEMENT_TIMEOUT_SECONDS"):
        Config(_env_file=None, DATABASE_STATEMENT_TIMEOUT_SECONDS=value)
