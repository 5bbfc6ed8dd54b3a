import pytest
from django.db import transaction

from demo.seeding import seed_demo


@pytest.fixture(scope="package")
def seeded(django_db_setup, django_db_blocker):
    """The demo, loaded once for the demo's test modules inside a transaction that is rolled back after
    them (each test runs in its own savepoint within it). Pytest runs a package's modules in the order of
    their names, so a module that needs an empty database (test_dataset.py) must sort before every module
    that uses this fixture."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
