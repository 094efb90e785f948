import uuid

from src.models import CustomModel


class FileResponse(CustomModel):
    id: uuid.UUID
    content_type: str
    size: int
    # Presigned: valid for STORAGE_DOWNLOAD_URL_EXPIRES, no credentials needed.
    download_url: str
