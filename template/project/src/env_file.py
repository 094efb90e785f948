"""The ``.env`` file is UTF-8 text: where it is not, one line saying where, for the settings of
the app (``src/config.py``) and of the developer commands (``scripts/dev_database.py``).

No settings are read here (importing it has no side effect), so a command that cannot build the
app's settings yet can still say what is wrong with the file.
"""

from pathlib import Path


def undecodable_env_file(path: Path) -> str | None:
    """Where ``path`` stops being UTF-8 (line and column, never the bytes: they may be a secret's),
    for a person to fix it; None when it is UTF-8 or absent."""
    try:
        path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as error:
        data = error.object
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return f"{path}: not UTF-8 text (line {line}, column {column}); save it as UTF-8."
    return None
