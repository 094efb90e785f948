import pytest

from src.jobs.utils import count_primes


@pytest.mark.parametrize(
    ("limit", "count"),
    [(0, 0), (1, 0), (2, 1), (3, 2), (10, 4), (100, 25), (10_000, 1229), (1_000_000, 78498)],
)
def test_count_primes(limit: int, count: int) -> None:
    assert count_primes(limit) == count
