"""The brand models, moved from the portal app (portal/migrations/0001-0003) with their tables:
state only here, so a database made before the move keeps every brand; 0002 renames the
tables."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import brands.colors
import brands.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("portal", "0003_brand_website_shop"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Brand",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="Lower-case letters, digits and hyphens. Templates in the themes folder of this name (themes/canal/ for canal) override the defaults for this brand.",
                        unique=True,
                        verbose_name="short name",
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text="Empty: the upstream business's name.",
                        max_length=100,
                        verbose_name="name",
                    ),
                ),
                (
                    "upstream_url",
                    models.CharField(
                        help_text="The billing API, e.g. https://example.spaces.nexudus.com",
                        max_length=200,
                        validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                        verbose_name="upstream base URL",
                    ),
                ),
                (
                    "public_base_url",
                    models.CharField(
                        blank=True,
                        help_text="Path prefix of PDF links after the business's web address; often empty.",
                        max_length=100,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^(/(?!\\.{1,2}(?:/|$))[A-Za-z0-9._~-]+)*$",
                                "A path such as /portal, or nothing.",
                                code="path",
                            )
                        ],
                        verbose_name="public base URL",
                    ),
                ),
                (
                    "pdf_link_scheme",
                    models.CharField(
                        choices=[("https", "https"), ("http", "http")],
                        default="https",
                        max_length=5,
                        verbose_name="PDF link scheme",
                    ),
                ),
                ("logo", models.BinaryField(blank=True, default=b"", verbose_name="logo")),
                ("logo_type", models.CharField(blank=True, editable=False, max_length=20)),
                (
                    "logo_url",
                    models.CharField(
                        blank=True,
                        help_text="Used when no logo is uploaded. https only.",
                        max_length=300,
                        validators=[brands.models.validate_https_url],
                        verbose_name="logo URL",
                    ),
                ),
                (
                    "primary_color",
                    models.CharField(
                        blank=True,
                        max_length=7,
                        validators=[brands.colors.validate_color],
                        verbose_name="primary colour",
                    ),
                ),
                (
                    "secondary_color",
                    models.CharField(
                        blank=True,
                        max_length=7,
                        validators=[brands.colors.validate_color],
                        verbose_name="secondary colour",
                    ),
                ),
                (
                    "background_color",
                    models.CharField(
                        blank=True,
                        max_length=7,
                        validators=[brands.colors.validate_color],
                        verbose_name="background colour",
                    ),
                ),
                (
                    "text_color",
                    models.CharField(
                        blank=True,
                        max_length=7,
                        validators=[brands.colors.validate_color],
                        verbose_name="text colour",
                    ),
                ),
                (
                    "website_url",
                    models.CharField(
                        blank=True,
                        help_text="The operator's own site, for \"Back to …\" links. Empty: the upstream business's web address.",
                        max_length=300,
                        validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                        verbose_name="website address",
                    ),
                ),
                (
                    "shop_url",
                    models.CharField(
                        blank=True,
                        help_text="Where a customer buys again after a failed payment. Empty: the website.",
                        max_length=300,
                        validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                        verbose_name="shop address",
                    ),
                ),
                (
                    "support_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="support email"),
                ),
                (
                    "support_phone",
                    models.CharField(
                        blank=True,
                        max_length=30,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\+?[0-9][0-9 ()./-]{2,29}$",
                                "Digits, spaces and + ( ) . / - only.",
                                code="phone",
                            )
                        ],
                        verbose_name="support phone",
                    ),
                ),
                (
                    "default_language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("es", "Español"),
                            ("fr", "Français"),
                            ("de", "Deutsch"),
                        ],
                        default="en",
                        max_length=10,
                        verbose_name="default language",
                    ),
                ),
                (
                    "languages",
                    models.CharField(
                        default="en,es,fr,de",
                        help_text="The languages this brand offers, comma-separated codes.",
                        max_length=100,
                        validators=[brands.models.validate_languages],
                        verbose_name="languages",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "brand",
                "verbose_name_plural": "brands",
                "db_table": "portal_brand",
                "ordering": ["slug"],
            },
        ),
        migrations.CreateModel(
            name="BrandHost",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "host",
                    models.CharField(
                        help_text="A host name this brand answers on, e.g. portal.example.com (no port).",
                        max_length=253,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
                                "A lower-case host name, no port.",
                            )
                        ],
                        verbose_name="host name",
                    ),
                ),
                (
                    "brand",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hosts",
                        to="brands.brand",
                    ),
                ),
            ],
            options={
                "verbose_name": "host name",
                "verbose_name_plural": "host names",
                "db_table": "portal_brandhost",
                "ordering": ["host"],
            },
        ),
        migrations.CreateModel(
            name="FooterLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=60, verbose_name="label")),
                (
                    "url",
                    models.CharField(
                        max_length=300,
                        validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                        verbose_name="address",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "brand",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="footer_links",
                        to="brands.brand",
                    ),
                ),
            ],
            options={
                "verbose_name": "footer link",
                "verbose_name_plural": "footer links",
                "db_table": "portal_footerlink",
                "ordering": ["position", "id"],
            },
        ),
    ]

    # The tables exist already: made by portal's 0001, on a new database as on an old one.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
