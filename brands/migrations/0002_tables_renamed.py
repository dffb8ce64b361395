"""The brand tables get the brands app's names (brands_brand…), and the admin's content types
and permissions follow the models, so an operator's permissions and the admin's history of
each brand stay attached."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MODELS = ("brand", "brandhost", "footerlink")


def content_types_moved(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    alias = schema_editor.connection.alias
    for model in MODELS:
        # A new database has none yet: post_migrate makes them under "brands".
        if not content_type.objects.using(alias).filter(app_label="brands", model=model).exists():
            content_type.objects.using(alias).filter(app_label="portal", model=model).update(
                app_label="brands"
            )


def content_types_back(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    alias = schema_editor.connection.alias
    content_type.objects.using(alias).filter(app_label="brands", model__in=MODELS).update(
        app_label="portal"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0001_initial"),
        ("portal", "0004_brands_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="brand", table=None),
        migrations.AlterModelTable(name="brandhost", table=None),
        migrations.AlterModelTable(name="footerlink", table=None),
        migrations.RunPython(content_types_moved, content_types_back),
    ]
