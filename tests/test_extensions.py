from pathlib import Path

import pytest

from extensions import names


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("My Service", "my-service"),
        ("Café Orders API!", "cafe-orders-api"),
        ("  __Weird--Name__  ", "weird-name"),
        ("api2 v3", "api2-v3"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert names.slugify(text) == slug
    assert names.is_distribution_name(slug)


@pytest.mark.parametrize("name", ["my-service", "api", "a1", "x-2-y"])
def test_distribution_names_accepted(name: str) -> None:
    assert names.is_distribution_name(name)


@pytest.mark.parametrize(
    "name", ["", "My-Service", "my_service", "-api", "api-", "my--service", "my service", "é"]
)
def test_distribution_names_refused(name: str) -> None:
    assert not names.is_distribution_name(name)


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("team@example.com", True),
        ("a.b+c@sub.example.org", True),
        ("team@example", False),
        ("team example@example.com", False),
        ("@example.com", False),
        ("team", False),
    ],
)
def test_is_email(email: str, valid: bool) -> None:
    assert names.is_email(email) is valid


@pytest.mark.parametrize(("version", "tag"), [("3.11", "py311"), ("3.13", "py313")])
def test_python_tag(version: str, tag: str) -> None:
    assert names.python_tag(version) == tag


def test_context_updater_derives_python_tag() -> None:
    from jinja2 import Environment

    from extensions.context import ContextUpdater

    context = {"python_version": "3.12"}
    ContextUpdater(Environment()).hook(context)

    assert context["python_tag"] == "py312"


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("invoices", "invoice"),
        ("order_items", "order_item"),
        ("categories", "category"),
        ("people", "person"),
        ("children", "child"),
        ("statuses", "status"),
        ("addresses", "address"),
        ("boxes", "box"),
        ("analyses", "analysis"),
        ("buses", "bus"),
        ("days", "day"),
        ("news", "news"),
        ("billing", "billing"),
    ],
)
def test_singular_and_plural(plural: str, singular: str) -> None:
    assert names.singular(plural) == singular
    assert names.singular(singular) == singular
    assert names.plural(singular) == (plural if plural != "billing" else "billing")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        (
            "order_items",
            {
                "item": "order_item",
                "item_class": "OrderItem",
                "item_constant": "ORDER_ITEM",
                "route_prefix": "/order-items",
                "domain_class": "OrderItems",
                "item_text": "order item",
                "item_article": "an",
                "domain_text": "order items",
            },
        ),
        (
            "people",
            {
                "item": "person",
                "item_class": "Person",
                "item_constant": "PERSON",
                "route_prefix": "/people",
                "domain_class": "People",
                "item_text": "person",
                "item_article": "a",
                "domain_text": "people",
            },
        ),
    ],
)
def test_domain_names(domain: str, expected: dict[str, str]) -> None:
    assert names.domain_names(domain) == expected


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("invoices", True),
        ("order_items", True),
        ("a1", True),
        ("Invoices", False),
        ("1abc", False),
        ("order-items", False),
        ("order__items", False),
        ("", False),
    ],
)
def test_is_identifier(name: str, valid: bool) -> None:
    assert names.is_identifier(name) is valid


def test_sort_imports_places_the_domain_among_core_modules() -> None:
    imports = [
        "from src.pagination import Page",
        "from src.zebras.constants import X",
        "from src.accounts import service",
        "from src.database import Base",
        "from src.accounts.models import Account",
    ]

    assert names.sort_imports(imports).splitlines() == [
        "from src.accounts import service",
        "from src.accounts.models import Account",
        "from src.database import Base",
        "from src.pagination import Page",
        "from src.zebras.constants import X",
    ]


def test_project_helpers(tmp_path: Path) -> None:
    from extensions import project

    (tmp_path / "src" / "auth").mkdir(parents=True)
    (tmp_path / "src" / "auth" / "__init__.py").touch()
    (tmp_path / "src" / "invoices").mkdir()
    (tmp_path / "src" / "invoices" / "__init__.py").touch()
    (tmp_path / ".copier").mkdir()
    (tmp_path / ".copier" / "domain-invoices.yml").touch()
    assert project.existing_domains(tmp_path) == ["auth", "invoices"]
    assert project.domain_collides(tmp_path, "auth")
    assert not project.domain_collides(tmp_path, "invoices")  # its own update
    assert not project.domain_collides(tmp_path, "orders")
    assert "config" in project.CORE_NAMES


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("returns", "'return' is a Python keyword"),
        ("class", "'class' is a Python keyword"),
        ("classes", "'class' is a Python keyword"),
        ("match", "'match' is a Python soft keyword"),
        ("cases", "'case' is a Python soft keyword"),
        ("types", "'type' is a Python builtin"),
        ("type", "'type' is a Python builtin"),
        ("properties", "'property' is a Python builtin"),
        ("filters", "'filter' is a Python builtin"),
        ("ids", "'id' is a Python builtin"),
        ("list", "'list' is a Python builtin"),
        ("print", "'print' is a Python builtin"),
        ("services", "'service' is a name the generated code uses"),
        ("data", "'data' is a name the generated code uses"),
    ],
)
def test_names_that_would_break_the_generated_code(domain: str, reason: str) -> None:
    assert names.name_clash(domain) == reason


@pytest.mark.parametrize("domain", ["invoices", "order_items", "people", "tax_returns", "x"])
def test_ordinary_names_are_safe(domain: str) -> None:
    assert names.name_clash(domain) == ""


@pytest.mark.parametrize(
    ("text", "expected"), [("invoice", "an"), ("order item", "an"), ("user", "a"), ("tax", "a")]
)
def test_article(text: str, expected: str) -> None:
    assert names.article(text) == expected
