import pytest
from pydantic import ValidationError

from src.files.config import LOCAL_BUCKET, StorageConfig


def test_reads_its_own_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_BUCKET", "uploads")
    monkeypatch.setenv("STORAGE_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("STORAGE_DOWNLOAD_URL_EXPIRES", "PT1M")
    monkeypatch.setenv("BUCKET", "not-mine")

    config = StorageConfig(_env_file=None)

    assert config.BUCKET == "uploads"
    assert config.ENDPOINT_URL == "http://minio:9000"
    assert config.DOWNLOAD_URL_EXPIRES.total_seconds() == 60


def test_empty_values_fall_back_to_boto3s_own_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENDPOINT_URL", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"):
        monkeypatch.setenv(f"STORAGE_{name}", "")

    config = StorageConfig(_env_file=None)

    assert (config.ENDPOINT_URL, config.ACCESS_KEY_ID, config.SECRET_ACCESS_KEY) == (None,) * 3


@pytest.mark.parametrize(
    ("environment", "default"),
    [("local", LOCAL_BUCKET), ("testing", LOCAL_BUCKET), ("staging", None), ("production", None)],
)
def test_bucket_is_required_when_deployed(
    monkeypatch: pytest.MonkeyPatch, environment: str, default: str | None
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.delenv("STORAGE_BUCKET", raising=False)

    if default is None:
        with pytest.raises(ValidationError, match="STORAGE_BUCKET is required"):
            StorageConfig(_env_file=None)
    else:
        assert default == StorageConfig(_env_file=None).BUCKET


@pytest.mark.parametrize("bucket", ["ab", "Uploads", "my_bucket", "-files", "x" * 64])
def test_invalid_bucket_name_is_refused(monkeypatch: pytest.MonkeyPatch, bucket: str) -> None:
    monkeypatch.setenv("STORAGE_BUCKET", bucket)

    with pytest.raises(ValidationError, match="BUCKET"):
        StorageConfig(_env_file=None)


@pytest.mark.parametrize(
    "endpoint",
    ["not-a-url-s3cr3t", "minio:9000", "ftp://minio-s3cr3t"],
    ids=["words", "no-scheme", "ftp"],
)
def test_endpoint_that_is_no_http_url_is_refused_without_its_value(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    """boto3 refused it when the app imported, in a traceback that quoted it (an endpoint can
    carry credentials)."""
    monkeypatch.setenv("STORAGE_ENDPOINT_URL", endpoint)

    with pytest.raises(ValidationError, match="ENDPOINT_URL") as error:
        StorageConfig(_env_file=None)

    assert "s3cr3t" not in str(error.value)


@pytest.mark.parametrize("name", ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY"])
def test_half_a_key_pair_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """boto3's PartialCredentialsError escaped the import as a bare traceback."""
    for other in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY"):
        monkeypatch.delenv(f"STORAGE_{other}", raising=False)
    monkeypatch.setenv(f"STORAGE_{name}", "s3cr3t")

    with pytest.raises(ValidationError, match="go together") as error:
        StorageConfig(_env_file=None)

    assert "s3cr3t" not in str(error.value)
