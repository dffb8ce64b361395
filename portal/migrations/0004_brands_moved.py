"""The brand models belong to the brands app from here on (brands/migrations/0001): gone from
this app's state only, their tables and rows kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_brand_website_shop"),
        ("brands", "0001_initial"),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name="footerlink",
            name="brand",
        ),
        migrations.DeleteModel(
            name="BrandHost",
        ),
        migrations.DeleteModel(
            name="Brand",
        ),
        migrations.DeleteModel(
            name="FooterLink",
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
