"""Every environment variable Parley reads is documented: in README's Configuration table and
in .env.example, the file a deployment starts from."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))
    names |= set(re.findall(r'"([A-Z][A-Z0-9_]*)" in env\b', source))
    assert "DJANGO_SECRET_KEY" in names and "DATABASE_URL" in names  # the patterns still match
    return names


def _readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"\n## {title}")
    end = readme.find("\n## ", start + 1)
    return readme[start:end]


def test_every_variable_is_in_the_readme_configuration_table():
    table = _readme_section("Configuration")

    missing = sorted(name for name in _variables_read_by_settings() if f"`{name}`" not in table)
    assert missing == []


def test_every_variable_is_in_the_example_environment():
    example = (ROOT / ".env.example").read_text()

    missing = sorted(
        name
        for name in _variables_read_by_settings()
        if not re.search(rf"^(# )?{name}=", example, re.MULTILINE)
    )
    assert missing == []
