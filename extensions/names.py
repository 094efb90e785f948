"""Pure naming functions used by the template's questions and files.

No I/O here: every function maps strings to strings or booleans and is unit-tested in
``tests/test_extensions.py``.
"""

from __future__ import annotations

import re
import unicodedata

# PEP 508 distribution names, restricted to the normalized lowercase form (PEP 503) so the
# project's name, folder and import never disagree on case or separators.
_DISTRIBUTION_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Turn a human name into a lowercase, dash-separated distribution name.

    >>> slugify("My Café API!")
    'my-cafe-api'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub("-", ascii_text.lower()).strip("-")


def is_distribution_name(text: str) -> bool:
    """Whether ``text`` is a normalized distribution name (``my-service``, not ``My_Service``)."""
    return bool(_DISTRIBUTION_NAME.match(text)) and "--" not in text


def is_email(text: str) -> bool:
    """A deliberately loose e-mail check: one ``@``, a dot in the domain, no spaces."""
    return bool(_EMAIL.match(text))


def python_tag(version: str) -> str:
    """Ruff's ``target-version`` for a ``major.minor`` Python version: ``3.12`` -> ``py312``."""
    major, minor = version.split(".")
    return f"py{major}{minor}"
