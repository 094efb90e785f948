"""The global Pydantic base model every schema inherits (P06)."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def to_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """The one datetime format of every response: UTC, seconds, ``Z`` suffix (RFC 3339)."""
    return to_utc(value).strftime(DATETIME_FORMAT)


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
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Pydantic v2 has no config-wide datetime encoder (json_encoders is deprecated), so the
        # explicit format lives on the UTCDatetime type; refuse schemas that would bypass it.
        for name, field in cls.model_fields.items():
            if field.annotation is datetime and format_datetime not in _serializers(field.metadata):
                msg = f"{cls.__name__}.{name}: annotate datetimes as src.models.UTCDatetime"
                raise TypeError(msg)

    def serializable_dict(self, **kwargs: Any) -> dict[str, Any]:
        """Return a dict that contains only JSON-serializable values."""
        return self.model_dump(mode="json", **kwargs)


def _serializers(metadata: list[Any]) -> list[Any]:
    return [item.func for item in metadata if isinstance(item, PlainSerializer)]
