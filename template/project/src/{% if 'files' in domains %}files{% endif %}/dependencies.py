import uuid
from typing import Annotated

from fastapi import Depends, UploadFile

from src.files import service
from src.files.config import storage_settings
from src.files.constants import MEDIA_TYPE, MEDIA_TYPE_MAX_LENGTH
from src.files.exceptions import ContentTypeNotValid, FileNotFound, FileTooLarge
from src.files.schemas import FileResponse


async def valid_file_id(file_id: uuid.UUID) -> FileResponse:
    """A stored file: 404 for an unknown id."""
    file = await service.get_file(file_id)
    if file is None:
        raise FileNotFound
    return file


ValidFileDep = Annotated[FileResponse, Depends(valid_file_id)]


async def valid_upload(file: UploadFile) -> UploadFile:
    """An uploaded file within ``STORAGE_MAX_UPLOAD_BYTES``, whose type (when given) is a media
    type: checked before anything is stored."""
    if file.size is None or file.size > storage_settings.MAX_UPLOAD_BYTES:
        raise FileTooLarge
    content_type = file.content_type
    if content_type and (
        len(content_type) > MEDIA_TYPE_MAX_LENGTH or not MEDIA_TYPE.fullmatch(content_type)
    ):
        raise ContentTypeNotValid
    return file


ValidUploadDep = Annotated[UploadFile, Depends(valid_upload)]
