"""Moving the test database between migration states, for tests of data migrations."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate the test database to `targets` ([(app, migration name)]); returns
    the historical models (an Apps) of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest_migrations():
    """The latest migration of every app, as `migrate` takes them."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
