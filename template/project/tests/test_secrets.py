"""A refused setting stops the service without printing a secret such as the database
password (a validation error would otherwise quote the values it was given)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
DATABASE_PASSWORD = "database-password-that-must-not-leak"


def test_a_failed_start_prints_no_secret(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        # From another folder: the developer's .env must not decide which setting is refused.
        "PYTHONPATH": str(ROOT),
        "ENVIRONMENT": "production",
        # Refused when deployed: the start fails on it whatever domains the service has.
        "DEBUG": "true",
        "DATABASE_URL": f"postgresql://app:{DATABASE_PASSWORD}@db.internal/app",
    }

    result = subprocess.run(
        [sys.executable, "-c", "import src.main"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "DEBUG=true sends tracebacks to clients" in output, output
    assert DATABASE_PASSWORD not in output


LEAKED = "jwt-secret-that-must-not-leak"
NOT_UTF8 = "not UTF-8 text (line 2, column 15); save it as UTF-8.\n"


def write_latin1_env(folder: Path) -> None:
    # Saved by an editor in Latin-1: the "é" of the secret is one byte, 0xe9, not UTF-8.
    secret = f"caf\u00e9-{LEAKED}"
    (folder / ".env").write_bytes(f"ENVIRONMENT=local\nJWT_SECRET={secret}\n".encode("latin-1"))


def failed_output(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What ``command`` printed, when it exited with 1 as a failed start does."""
    result = subprocess.run(  # noqa: S603  # our own interpreter and modules
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    return output


def test_a_env_file_that_is_not_utf8_stops_the_app_with_one_line(tmp_path: Path) -> None:
    write_latin1_env(tmp_path)

    # The image's command, from the folder of the .env.
    command = [sys.executable, "-m", "uvicorn", "src.main:app", "--port", "0"]
    output = failed_output(command, tmp_path, {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})

    assert output == f".env: {NOT_UTF8}"
    assert LEAKED not in output


def test_a_env_file_that_is_not_utf8_stops_scripts_start_with_one_line(tmp_path: Path) -> None:
    # What scripts/start runs first, in a copy of the project's commands (their .env is the
    # one next to scripts/: the developer's own is never overwritten).
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "src").mkdir()
    for module in ("__init__.py", "env_file.py"):
        shutil.copy(ROOT / "src" / module, tmp_path / "src" / module)
    write_latin1_env(tmp_path)

    command = [sys.executable, "-m", "scripts.dev_database", "uvicorn", "src.main:app"]
    output = failed_output(command, tmp_path, {"PATH": "/usr/bin:/bin"})

    assert output == f"{tmp_path / '.env'}: {NOT_UTF8}"
    assert LEAKED not in output
