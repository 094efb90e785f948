"""The global Pydantic base model every schema inherits."""

import types
from datetime import UTC, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    PlainSerializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# PostgreSQL text cannot hold NUL (U+0000): refused in every request, and said in the schema.
NUL = "\x00"
NO_NUL_PATTERN = "^(?![\\s\\S]*\\u0000)"


def to_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """The one datetime format of every response: RFC 3339 in UTC, microseconds, ``Z`` suffix,
    four-digit years (``2024-05-01T12:30:15.000250Z``)."""
    return to_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


UTCDatetime = Annotated[
    datetime,
    AfterValidator(to_utc),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]
"""Use this instead of ``datetime`` in schemas; ``CustomModel`` refuses a bare ``datetime``."""


class CustomModel(BaseModel):
    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        from_attributes=True,
        # Error messages never quote the submitted value (a password, an e-mail).
        hide_input_in_errors=True,
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Pydantic v2 has no config-wide datetime encoder (json_encoders is deprecated), so the
        # explicit format lives on the UTCDatetime type; refuse schemas that would bypass it.
        for name, field in cls.model_fields.items():
            if _has_bare_datetime(field.annotation) and format_datetime not in _serializers(
                field.metadata
            ):
                msg = f"{cls.__name__}.{name}: annotate datetimes as src.models.UTCDatetime"
                raise TypeError(msg)

    @model_validator(mode="before")
    @classmethod
    def refuse_nul(cls, data: Any) -> Any:
        if _contains_nul(data):
            raise PydanticCustomError("string_nul", "Text must not contain the NUL character")
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if handler.mode == "validation":  # what requests may send
            for field in handler.resolve_ref_schema(json_schema).get("properties", {}).values():
                _document_no_nul(field)
        return json_schema

    def serializable_dict(self, **kwargs: Any) -> dict[str, Any]:
        """Return a dict that contains only JSON-serializable values."""
        return self.model_dump(mode="json", **kwargs)


def _has_bare_datetime(annotation: Any) -> bool:
    if annotation is datetime:
        return True
    if get_origin(annotation) in {Union, types.UnionType}:
        return any(_has_bare_datetime(argument) for argument in get_args(annotation))
    return False


def _serializers(metadata: list[Any]) -> list[Any]:
    return [item.func for item in metadata if isinstance(item, PlainSerializer)]


def _contains_nul(data: Any) -> bool:
    if isinstance(data, str):
        return NUL in data
    if isinstance(data, dict):
        return any(_contains_nul(key) or _contains_nul(value) for key, value in data.items())
    if isinstance(data, list | tuple):
        return any(_contains_nul(item) for item in data)
    return False


def _document_no_nul(field: dict[str, Any]) -> None:
    for option in field.get("anyOf", []):
        _document_no_nul(option)
    if field.get("type") == "string" and "format" not in field and "enum" not in field:
        pattern = field.get("pattern")
        if pattern is None:
            field["pattern"] = NO_NUL_PATTERN
        elif pattern.startswith("^"):
            field["pattern"] = NO_NUL_PATTERN + pattern.removeprefix("^")
        else:
            field["pattern"] = NO_NUL_PATTERN + "[\\s\\S]*?" + pattern
