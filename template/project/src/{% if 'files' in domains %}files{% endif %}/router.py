from fastapi import APIRouter, status

from src.access import WRITE_ACCESS_RESPONSES, WriteAccessDep
from src.exceptions import error_responses
from src.files import service
from src.files.config import storage_settings
from src.files.constants import DEFAULT_CONTENT_TYPE, MULTIPART_OVERHEAD_BYTES
from src.files.dependencies import ValidFileDep, ValidUploadDep
from src.files.schemas import FileResponse

router = APIRouter(tags=["files"])


@router.post(
    "/files",
    status_code=status.HTTP_201_CREATED,
    summary="Upload a file",
    # 400: a multipart body that cannot be parsed (FastAPI's own answer).
    responses=WRITE_ACCESS_RESPONSES
    | error_responses(
        status.HTTP_400_BAD_REQUEST,
        status.HTTP_413_CONTENT_TOO_LARGE,
        status.HTTP_503_SERVICE_UNAVAILABLE,
    ),
    # Uploads may exceed the service-wide MAX_REQUEST_BODY_BYTES, up to the storage's own limit.
    max_body_size=storage_settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES,
)
async def upload_file(_access: WriteAccessDep, file: ValidUploadDep) -> FileResponse:
    """Store a file (multipart field `file`) in the object storage; returns a download link."""
    content = await file.read()
    content_type = file.content_type or DEFAULT_CONTENT_TYPE
    return await service.upload_file(content=content, content_type=content_type)


@router.get(
    "/files/{file_id}",
    status_code=status.HTTP_200_OK,
    summary="Get a file",
    responses=error_responses(status.HTTP_404_NOT_FOUND, status.HTTP_503_SERVICE_UNAVAILABLE),
)
async def get_file(file: ValidFileDep) -> FileResponse:
    """A file's type, size and a fresh download link."""
    return file
