"""Contract fuzzing of the files operations on moto's S3 server (tests/fuzz.py)."""

from httpx import AsyncClient
from schemathesis.checks import negative_data_rejection

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
        client,
        case,
        headers=write_headers,
        path_parameters={"file_id": stored.json()["id"]},
        # A multipart part is bytes: the "integer" Schemathesis puts in the file field, as
        # "-28070968", is a valid file, not schema-violating data.
        excluded_checks=[negative_data_rejection] if case.method == "POST" else None,
    )
