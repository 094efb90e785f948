"""The jobs domain's background tasks, run by the worker (``scripts/worker``)."""

from src.jobs import utils
from src.jobs.constants import PRIME_COUNT_TIMEOUT_SECONDS
from src.worker import broker

# Sync, so the worker runs it in its process pool. Registered from utils (not decorated here)
# so the process pool can pickle the function by its module and name.
count_primes = broker.register_task(
    utils.count_primes, task_name="jobs.count_primes", timeout=PRIME_COUNT_TIMEOUT_SECONDS
)
