from enum import StrEnum

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Room for the multipart envelope around the file (boundaries, part headers).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class ErrorCode(StrEnum):
    FILE_NOT_FOUND = "File not found."
    FILE_TOO_LARGE = "File too large."
    STORAGE_UNAVAILABLE = "File storage unavailable."
