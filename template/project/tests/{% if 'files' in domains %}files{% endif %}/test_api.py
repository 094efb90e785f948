"""Contract fuzzing of the files operations on moto's S3 server (tests/fuzz.py)."""

from httpx import AsyncClient

from src.main import app
from tests import fuzz

schema = fuzz.schema.include(tag="files")


@schema.parametrize()
@fuzz.SETTINGS
async def test_files_api(
    case: fuzz.Case, client: AsyncClient, write_headers: dict[str, str]
) -> None:
    stored = await client.post(
        app.url_path_for("upload_file"),
        files={"file": ("a.txt", b"a", "text/plain")},
        headers=write_headers,
    )
    await fuzz.call_and_validate(
        client, case, headers=write_headers, path_parameters={"file_id": stored.json()["id"]}
    )
