"""The JSON body of an error, as tests expect it: ``error(ErrorCode.POST_NOT_FOUND)``."""

from enum import Enum


def error(code: Enum) -> dict[str, str]:
    return {"detail": code.value, "code": code.name}
