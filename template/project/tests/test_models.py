from datetime import UTC, datetime, timedelta, timezone

import pytest

from src.models import CustomModel, UTCDatetime


class Event(CustomModel):
    happened_at: UTCDatetime


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            datetime.fromisoformat("2024-05-01T12:30:15"), "2024-05-01T12:30:15Z", id="naive-is-utc"
        ),
        pytest.param(
            datetime(2024, 5, 1, 12, 30, 15, 999, tzinfo=UTC), "2024-05-01T12:30:15Z", id="utc"
        ),
        pytest.param(
            datetime(2024, 5, 1, 14, 30, 15, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T12:30:15Z",
            id="aware-converted-to-utc",
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
