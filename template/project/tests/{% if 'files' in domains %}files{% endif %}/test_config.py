import pytest

from src.files.config import StorageConfig


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
