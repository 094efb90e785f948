"""Pure naming functions used by the template's questions and files.

No I/O here: every function maps strings to strings or booleans and is unit-tested in
``tests/test_extensions.py``.
"""

from __future__ import annotations

import builtins
import keyword
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


# Names of a generated domain -------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "analysis": "analyses",
    "basis": "bases",
    "crisis": "crises",
    "thesis": "theses",
    "criterion": "criteria",
    "index": "indices",
    "matrix": "matrices",
    "leaf": "leaves",
    "life": "lives",
    "knife": "knives",
    "wife": "wives",
    "half": "halves",
    "quiz": "quizzes",
}
_IRREGULAR_SINGULARS = {plural: singular for singular, plural in _IRREGULAR_PLURALS.items()}
_UNCOUNTABLE = frozenset(
    {
        "data",
        "equipment",
        "feedback",
        "information",
        "media",
        "metadata",
        "news",
        "series",
        "species",
        "staff",
        "software",
        "hardware",
        "inventory",
        "billing",
        "money",
        "sheep",
        "fish",
    }
)


def is_identifier(text: str) -> bool:
    """A lowercase snake_case Python identifier (``invoices``, ``order_items``)."""
    return bool(_IDENTIFIER.match(text))


def _last_word(name: str) -> tuple[str, str]:
    head, _, last = name.rpartition("_")
    return (f"{head}_" if head else ""), last


def singular(name: str) -> str:
    """Singular of a snake_case name, on its last word: ``order_items`` -> ``order_item``."""
    head, word = _last_word(name)
    if word in _UNCOUNTABLE or word in _IRREGULAR_PLURALS:
        return name
    if word in _IRREGULAR_SINGULARS:
        return head + _IRREGULAR_SINGULARS[word]
    if word.endswith("ies") and len(word) > 4:
        return head + word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return head + word[:-2]
    if word.endswith("uses") and len(word) > 4:
        return head + word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return head + word[:-1]
    return name


def plural(name: str) -> str:
    """Plural of a snake_case name, on its last word: ``category`` -> ``categories``."""
    head, word = _last_word(name)
    if word in _UNCOUNTABLE or word in _IRREGULAR_SINGULARS:
        return name
    if word in _IRREGULAR_PLURALS:
        return head + _IRREGULAR_PLURALS[word]
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return head + word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return head + word + "es"
    return head + word + "s"


def class_name(name: str) -> str:
    """``order_item`` -> ``OrderItem``."""
    return "".join(part.capitalize() for part in name.split("_"))


def kebab(name: str) -> str:
    """``order_items`` -> ``order-items`` (route prefixes)."""
    return name.replace("_", "-")


def constant_name(name: str) -> str:
    """``order_item`` -> ``ORDER_ITEM`` (ErrorCode members)."""
    return name.upper()


def article(text: str) -> str:
    """The indefinite article of an English noun phrase: ``an invoice``, ``a user``."""
    return "an" if text[:1] in "aeio" or text.startswith(("hour", "honest")) else "a"


def domain_names(domain: str) -> dict[str, str]:
    """Every name a generated domain derives from its package name (``order_items``)."""
    item = singular(domain)
    return {
        "item": item,  # table, module-level noun: order_item
        "item_class": class_name(item),  # OrderItem
        "item_constant": constant_name(item),  # ORDER_ITEM
        "route_prefix": "/" + kebab(plural(item)),  # /order-items
        "domain_class": class_name(domain),  # OrderItems
        "item_text": item.replace("_", " "),  # order item (summaries, messages)
        "item_article": article(item),  # an (order item)
        "domain_text": domain.replace("_", " "),  # order items
    }


# Names the generated code uses for its own variables, parameters and imports: an item (or
# domain) of one of these names would shadow them.
GENERATED_NAMES = frozenset(
    {
        "annotated",
        "changed",
        "changes",
        "current",
        "data",
        "db",
        "depends",
        "field",
        "functools",
        "page",
        "query",
        "router",
        "service",
        "status",
        "total",
        "updated",
        "uuid",
        "value",
        "values",
    }
)
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))


def name_clash(domain: str) -> str:
    """Why the names ``domain`` derives would break the generated code, or ``""``.

    The singular (a parameter, a variable, the table) and the plural (function names) must not
    be a keyword (``return``), a soft keyword (``match``, ``type``), a builtin (``property``,
    ``filter``, ``id``) or a name the generated code already uses (``service``).
    """
    for name in dict.fromkeys((singular(domain), domain, plural(singular(domain)))):
        if keyword.iskeyword(name):
            return f"'{name}' is a Python keyword"
        if name in _BUILTINS:
            return f"'{name}' is a Python builtin"
        if keyword.issoftkeyword(name):
            return f"'{name}' is a Python soft keyword"
        if name in GENERATED_NAMES:
            return f"'{name}' is a name the generated code uses"
    return ""


def sort_imports(imports: list[str]) -> str:
    """First-party ``from`` imports in the order ruff's isort puts them (by module, then text).

    Templates list a domain's imports unsorted: where ``src.<domain>`` falls among the core
    modules depends on the name the user chose.
    """

    def module(statement: str) -> str:
        return statement.split()[1].lower()

    return "\n".join(sorted(imports, key=lambda statement: (module(statement), statement)))
