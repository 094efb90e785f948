"""Which process runs which test file under ``-n`` (pytest-xdist), and in what order: a pytest
plugin, loaded by ``tests/conftest.py``.

Whole files go to each process, as ``--dist loadfile`` does (a file's module fixtures start
once), the ``*outage*`` files to one process together (they stop and freeze the outage tests'
own server, which one process then starts once, where a process per file would start one each:
initdb takes seconds).

Longest first: a file that waits (real workers, subprocesses, timeouts) and is handed out last
would run alone at the end while the other processes are done. Each run records how long every
test took (setup to teardown) in pytest's cache (``.pytest_cache``); the next run hands out the
files by their total, longest first. A test with no record yet counts as ``UNKNOWN_SECONDS``, or
``UNKNOWN_PROCESS_SECONDS`` in a file that starts processes (it imports ``subprocess``).
"""

import os
import subprocess
from typing import Any

import pytest

CACHE_KEY = "service-suite/test-seconds"
UNKNOWN_SECONDS = 0.05
UNKNOWN_PROCESS_SECONDS = 1.0

# "gw0", "gw1", ... in a pytest-xdist worker; None in a run without xdist and in its controller.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def scope(nodeid: str) -> str:
    """The unit a process gets: the test's file, or "outage" for every ``*outage*`` file."""
    path = nodeid.split("::", 1)[0]
    return "outage" if "outage" in path.rsplit("/", 1)[-1] else path


def _cache(config: pytest.Config) -> Any:
    return getattr(config, "cache", None)  # None under -p no:cacheprovider


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In each xdist process (they must all collect the same order): the files by their recorded
    total, longest first; a file's tests keep their order."""
    if not XDIST_WORKER or (cache := _cache(config)) is None:
        return
    recorded: dict[str, float] = cache.get(CACHE_KEY, {})
    totals: dict[str, float] = {}
    for item in items:
        module = getattr(item, "module", None)
        unknown = (
            UNKNOWN_PROCESS_SECONDS
            if getattr(module, "subprocess", None) is subprocess
            else UNKNOWN_SECONDS
        )
        seconds = recorded.get(item.nodeid, unknown)
        totals[scope(item.nodeid)] = totals.get(scope(item.nodeid), 0.0) + seconds
    items.sort(key=lambda item: -totals[scope(item.nodeid)])  # stable


_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Every test's setup, call and teardown, as the controller (or the only process) sees them."""
    if not XDIST_WORKER:
        _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if XDIST_WORKER or not _seconds or (cache := _cache(session.config)) is None:
        return
    recorded: dict[str, float] = cache.get(CACHE_KEY, {})
    recorded.update({nodeid: round(seconds, 3) for nodeid, seconds in _seconds.items()})
    cache.set(CACHE_KEY, recorded)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown when it is not loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadfile`` (addopts) with the outage files together, handed out in the order the
    processes collected them (longest first), not xdist's largest-file-first."""
    if config.getoption("dist") != "loadfile":
        return None  # another --dist asked for: xdist's own
    # pytest-xdist ships no type information.
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

    class LongestFirst(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    config.option.loadscopereorder = False
    return LongestFirst(config, log)
