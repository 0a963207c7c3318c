"""Alembic wiring that works from a checkout and from an installed wheel.

Alembic is imported only to migrate: every command checks the schema revision against
`head_revision()`, which reads the version files directly (alembic's import costs more
than a short command does otherwise).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*(['"])(?P<value>[^'"\n]+)\1""", re.M)
_DOWN = re.compile(
    r"""^down_revision\s*(?::[^=\n]*)?=\s*(?:(['"])(?P<value>[^'"\n]+)\1|(?P<none>None)\b)""",
    re.M,
)


def script_location() -> Path:
    """The wheel ships migrations as provenance/_migrations; a checkout has alembic/."""
    for candidate in (_PACKAGE_DIR / "_migrations", _PACKAGE_DIR.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("provenance migrations are missing from this installation")


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if url is not None:
        # ConfigParser interpolation would choke on '%' in passwords.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def _head_from_files() -> str | None:
    """The single head of a linear history, from `revision`/`down_revision` lines; None when
    the files are not that simple (a merge, a branch, an unusual assignment)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((script_location() / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), list(_DOWN.finditer(text))
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0][1])
        if down[0].group("none") is None:
            parents.add(down[0].group("value"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = _head_from_files() or script_directory().get_current_head()
    assert head is not None, "migrations have no head"
    return head
