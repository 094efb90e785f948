from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from src.models import CustomModel, UTCDatetime


class Event(CustomModel):
    happened_at: UTCDatetime


class Note(CustomModel):
    title: str
    tags: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            datetime.fromisoformat("2024-05-01T12:30:15"),
            "2024-05-01T12:30:15.000000Z",
            id="naive-is-utc",
        ),
        pytest.param(
            datetime(2024, 5, 1, 12, 30, 15, 999, tzinfo=UTC),
            "2024-05-01T12:30:15.000999Z",
            id="utc-keeps-microseconds",
        ),
        pytest.param(
            datetime(2024, 5, 1, 14, 30, 15, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T12:30:15.000000Z",
            id="aware-converted-to-utc",
        ),
        pytest.param(
            datetime(5, 1, 2, tzinfo=UTC), "0005-01-02T00:00:00.000000Z", id="four-digit-year"
        ),
    ],
)
def test_datetimes_serialize_in_one_utc_format(value: datetime, expected: str) -> None:
    event = Event(happened_at=value)

    assert event.serializable_dict() == {"happened_at": expected}
    assert event.model_dump_json() == f'{{"happened_at":"{expected}"}}'
    assert event.happened_at.tzinfo is UTC


def test_bare_datetime_field_is_refused() -> None:
    with pytest.raises(TypeError, match="UTCDatetime"):

        class Sloppy(CustomModel):
            happened_at: datetime


def test_optional_bare_datetime_field_is_refused() -> None:
    with pytest.raises(TypeError, match="UTCDatetime"):

        class Sloppy(CustomModel):
            happened_at: datetime | None = None


@pytest.mark.parametrize("data", [{"title": "a\x00b"}, {"title": "ok", "tags": ["\x00"]}])
def test_nul_characters_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="NUL character"):
        Note.model_validate(data)


def test_schema_says_text_refuses_nul() -> None:
    pattern = Note.model_json_schema()["properties"]["title"]["pattern"]

    assert pattern.startswith("^(?!")
    assert "\\u0000" in pattern
