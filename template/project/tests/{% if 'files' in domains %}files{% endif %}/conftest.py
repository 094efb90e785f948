"""A real S3 API on this machine, no network: moto's server on 127.0.0.1 and a free port.

src is imported inside the fixtures: when pytest is given this folder, it loads this file before
tests/conftest.py points the settings at the test database and environment."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from src.files.config import StorageConfig

BUCKET = "files-test"
ACCESS_KEY = "testing"  # moto accepts any key


@pytest.fixture(scope="session")
def s3_config() -> Iterator["StorageConfig"]:
    from src.files import client
    from src.files.config import StorageConfig

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    config = StorageConfig.model_validate(
        {
            "ENVIRONMENT": "testing",
            "BUCKET": BUCKET,
            "ENDPOINT_URL": f"http://{host}:{port}",
            "ACCESS_KEY_ID": ACCESS_KEY,
            "SECRET_ACCESS_KEY": ACCESS_KEY,
        }
    )
    client.create_client(config).create_bucket(Bucket=BUCKET)
    yield config
    server.stop()


@pytest.fixture(scope="session")
def s3(s3_config: "StorageConfig") -> "S3Client":
    from src.files import client

    return client.create_client(s3_config)


@pytest.fixture(autouse=True)
def storage(s3_config: "StorageConfig", s3: "S3Client", monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of the domain talks to the moto server, through a client built for it."""
    from src.files import client
    from src.files.config import storage_settings

    monkeypatch.setattr(storage_settings, "BUCKET", s3_config.BUCKET)
    monkeypatch.setattr(client, "s3", s3)


@pytest.fixture
async def write_headers(client: AsyncClient) -> dict[str, str]:
    """Headers that let a request upload (a user's token when the service has auth)."""
    from tests import access

    return await access.write_headers(client)
