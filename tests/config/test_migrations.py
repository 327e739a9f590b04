"""The migrations describe the models as they are: a model change always ships its migration."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    # --check exits non-zero when makemigrations would write a migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
