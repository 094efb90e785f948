import re
from enum import StrEnum

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# A media type as RFC 6838 names it (type/subtype, then parameters), in printable ASCII: S3 keeps
# it as an HTTP header and serves it with every download (a NUL or a non-ASCII letter cannot).
MEDIA_TYPE = re.compile(r"[\w!#$&^.+-]+/[\w!#$&^.+-]+(;[ -~]*)?", re.ASCII)
MEDIA_TYPE_MAX_LENGTH = 255
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
    CONTENT_TYPE_NOT_VALID = "The file's Content-Type is not a media type (type/subtype)."
    STORAGE_UNAVAILABLE = "File storage unavailable."
