import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from httpx import AsyncClient, Response

from src.auth import service
from src.auth.admin import service as admin_service
from src.database import Database
from src.mail import SMTPMailer, get_mailer
from src.main import app
from tests.smtp import Outbox, smtp_server

PASSWORD = "Str0ng!Passw0rd"


@dataclass(frozen=True)
class LoggedInUser:
    email: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: AsyncClient, email: str, password: str = PASSWORD) -> None:
    response = await client.post(
        app.url_path_for("register_user"), json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    return await client.post(
        app.url_path_for("create_tokens"), data={"username": email, "password": password}
    )


async def log_in(client: AsyncClient, email: str, password: str = PASSWORD) -> LoggedInUser:
    response = await login(client, email, password)
    assert response.status_code == 200, response.text
    return LoggedInUser(email=email, access_token=response.json()["access_token"])


@pytest.fixture
async def user(client: AsyncClient) -> LoggedInUser:
    await register(client, "ada@example.com")
    return await log_in(client, "ada@example.com")


async def grant(db: Database, email: str, role_name: str) -> None:
    """Give a registered user a role, as an admin (or the create-admin command) would."""
    user_id = await service.get_user_id_by_email(db, email=email)
    assert user_id is not None
    await admin_service.grant_role(db, user_id=user_id, role_name=role_name)
    await db.commit()


@pytest.fixture
async def admin(client: AsyncClient, db: Database) -> LoggedInUser:
    await register(client, "root@example.com")
    await grant(db, "root@example.com", "admin")
    return await log_in(client, "root@example.com")


@pytest.fixture
def outbox(client: AsyncClient) -> Iterator[Outbox]:
    """The app sends its mail to a real SMTP server in the test process."""
    with smtp_server() as outbox:
        app.dependency_overrides[get_mailer] = lambda: SMTPMailer(outbox.config)
        yield outbox


def link_token(outbox: Outbox, index: int = -1) -> str:
    found = re.search(r"\?token=([\w-]+)", outbox.text(index))
    assert found, outbox.text(index)
    return found[1]
