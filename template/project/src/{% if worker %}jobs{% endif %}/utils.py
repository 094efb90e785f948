def count_primes(limit: int) -> int:
    """How many primes are ``<= limit``: a sieve of Eratosthenes, deterministic and CPU-bound."""
    if limit < 2:
        return 0
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for number in range(2, int(limit**0.5) + 1):
        if sieve[number]:
            sieve[number * number :: number] = bytes(len(range(number * number, limit + 1, number)))
    return sum(sieve)
