"""A refused setting stops the service without printing a secret such as the database
password (a validation error would otherwise quote the values it was given)."""

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
