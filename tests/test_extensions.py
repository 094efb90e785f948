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
