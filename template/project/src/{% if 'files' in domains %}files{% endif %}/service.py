"""Files kept in the object storage, named by a UUID; the storage holds their metadata too."""

import uuid

from src.files import client
from src.files.schemas import FileResponse


async def upload_file(*, content: bytes, content_type: str) -> FileResponse:
    file_id = uuid.uuid4()
    await client.put_object(str(file_id), content, content_type=content_type)
    return FileResponse(
        id=file_id,
        content_type=content_type,
        size=len(content),
        download_url=await client.download_url(str(file_id)),
    )


async def get_file(file_id: uuid.UUID) -> FileResponse | None:
    head = await client.head_object(str(file_id))
    if head is None:
        return None
    return FileResponse(
        id=file_id,
        content_type=head["ContentType"],
        size=head["ContentLength"],
        download_url=await client.download_url(str(file_id)),
    )
