"""The database cache's table, where the sandbox alone (sandbox.settings) counts its rate limits
across processes; mounted in the portal, the portal's cache is already there, and this makes
nothing."""

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0003_merge_password_reset_and_refresh_grants")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
