from enum import StrEnum

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Room for the multipart envelope around the file (boundaries, part headers).
MULTIPART_OVERHEAD_BYTES = 64 * 1024

# HEAD answers a missing key with 404, or with 403 when the service may read objects but not
# list the bucket (no s3:ListBucket): S3 then hides whether the key exists. Both mean "no file".
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "403"})
# S3 asks to slow down: a 503 for the client too, whatever status S3 used.
THROTTLING_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestTimeout"}
)


class ErrorCode(StrEnum):
    FILE_NOT_FOUND = "File not found."
    FILE_TOO_LARGE = "File too large."
    STORAGE_UNAVAILABLE = "File storage unavailable."
