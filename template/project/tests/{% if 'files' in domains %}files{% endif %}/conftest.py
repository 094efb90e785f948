"""A real S3 API on this machine, no network: moto's server on 127.0.0.1 and a free port."""

from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from src.files import client
from src.files.config import storage_settings

BUCKET = "files-test"
ACCESS_KEY = "testing"  # moto accepts any key


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=ACCESS_KEY,
    )
    s3.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(autouse=True)
def storage(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test of the domain talks to the moto server, through a client built for it."""
    monkeypatch.setattr(storage_settings, "ENDPOINT_URL", s3_endpoint)
    monkeypatch.setattr(storage_settings, "BUCKET", BUCKET)
    monkeypatch.setattr(storage_settings, "REGION", "us-east-1")
    monkeypatch.setattr(storage_settings, "ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setattr(storage_settings, "SECRET_ACCESS_KEY", SecretStr(ACCESS_KEY))
    client.s3_client.cache_clear()
    yield
    client.s3_client.cache_clear()
