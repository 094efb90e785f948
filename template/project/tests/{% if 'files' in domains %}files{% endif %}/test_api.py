"""Contract fuzzing of the files operations on moto's S3 server (tests/fuzz.py): two stored
files; path IDs are theirs, or unknown."""

import pytest

from tests import fuzz

tables_emptied = fuzz.tables_emptied_after_module()


def two_files() -> fuzz.Target:
    headers = fuzz.sign_up()
    stored = [
        fuzz.call(
            "upload_file",
            headers=headers,
            body={"file": content},
            media_type="multipart/form-data",
        ).json()["id"]
        for content in (b"a", b"second file")
    ]
    return fuzz.Target(headers=headers, path_parameters={"file_id": stored})


@pytest.mark.parametrize("operation_id", fuzz.operation_ids("files"))
async def test_files_api(operation_id: str) -> None:
    await fuzz.fuzz_operation(operation_id, two_files)


async def test_files_links() -> None:
    """upload_file → get_file, with other files around."""
    await fuzz.fuzz_links("files", prepare=two_files)
