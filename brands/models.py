"""Brands: one per operator location or label, chosen by the request's host name.

Edited in the Django admin (brands/admin.py). What a brand leaves empty, the upstream's
business data fills (brands/look.py); with no brand at all, one default brand comes from
settings (brands/hosts.py), so a fresh `make run` needs none.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from brands.colors import Palette, palette_build, validate_color
from upstream import GATEWAYS

HOST_PATTERN = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
web_url = URLValidator(schemes=["http", "https"])
path_prefix = RegexValidator(
    r"^(/(?!\.{1,2}(?:/|$))[A-Za-z0-9._~-]+)*$",
    _("A path such as /portal, or nothing."),
    code="path",
)
phone = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{2,29}$", _("Digits, spaces and + ( ) . / - only."), code="phone"
)


def validate_https_url(value: str) -> None:
    """An https address: an http image on an https page is blocked or flagged by browsers."""
    if value.lower().startswith("http://"):
        raise ValidationError(
            _("Use an https:// address: browsers block http images on a secure page."),
            code="https",
        )
    URLValidator(schemes=["https"])(value)


def optional_text(
    verbose_name: StrOrPromise,
    validator: Callable[[str], None],
    *,
    help_text: StrOrPromise = "",
    max_length: int = 300,
) -> models.CharField[str, str]:
    """A setting a brand may leave empty ("", not NULL: then the upstream's value, a default or
    nothing serves); `validator` checks what it holds."""
    return models.CharField(
        verbose_name,
        max_length=max_length,
        blank=True,
        validators=[validator],
        help_text=help_text,
    )


def color_field(verbose_name: StrOrPromise) -> models.CharField[str, str]:
    """An optional #rrggbb colour of the brand's palette."""
    return optional_text(verbose_name, validate_color, max_length=7)


def validate_payment_page(value: str) -> None:
    """An https address naming the invoice by `{id}` and/or `{unique_id}`, nothing else."""
    validate_https_url(value.replace("{id}", "1").replace("{unique_id}", "u"))
    if "{id}" not in value and "{unique_id}" not in value:
        raise ValidationError(
            _("Name the invoice in the address with {id} or {unique_id}."), code="placeholder"
        )
    if "{" in value.replace("{id}", "").replace("{unique_id}", ""):
        raise ValidationError(_("Only {id} and {unique_id} may stand in braces."), code="braces")


def validate_languages(value: str) -> None:
    known = {code for code, _name in settings.LANGUAGES}
    codes = [code for code in value.split(",") if code]
    if not codes or any(code not in known for code in codes):
        raise ValidationError(_("Choose one or more of the portal's languages."), code="languages")


class Brand(models.Model):
    slug = models.SlugField(
        _("short name"),
        unique=True,
        # Plain text: the admin renders help text as HTML, where "<short name>" vanished.
        help_text=_(
            "Lower-case letters, digits and hyphens. Templates in the themes folder of this "
            "name (themes/canal/ for canal) override the defaults for this brand."
        ),
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("Empty: the upstream business's name.")
    )
    upstream_url = models.CharField(
        _("upstream base URL"),
        max_length=200,
        validators=[web_url],
        help_text=_("The billing API, e.g. https://example.spaces.nexudus.com"),
    )
    public_base_url = optional_text(
        _("public base URL"),
        path_prefix,
        max_length=100,
        help_text=_("Path prefix of PDF links after the business's web address; often empty."),
    )
    pdf_link_scheme = models.CharField(
        _("PDF link scheme"),
        max_length=5,
        choices=[("https", "https"), ("http", "http")],
        default="https",
    )
    # Stored in the database, not on disk, so every instance serves it (accounts/views.py).
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    logo_url = optional_text(
        _("logo URL"), validate_https_url, help_text=_("Used when no logo is uploaded. https only.")
    )
    primary_color = color_field(_("primary colour"))
    secondary_color = color_field(_("secondary colour"))
    background_color = color_field(_("background colour"))
    text_color = color_field(_("text colour"))
    website_url = optional_text(
        _("website address"),
        web_url,
        help_text=_(
            "The operator's own site, for \"Back to …\" links. Empty: the upstream business's "
            "web address."
        ),
    )
    shop_url = optional_text(
        _("shop address"),
        web_url,
        help_text=_("Where a customer buys again after a failed payment. Empty: the website."),
    )
    invoice_payment = models.CharField(
        _("paying invoices"),
        max_length=10,
        choices=[
            ("upstream", _("Pay through the billing system's checkout")),
            ("page", _("Pay on the payment page below")),
            ("off", _("No Pay button")),
        ],
        default="upstream",
        help_text=_("python manage.py upstream_check says whether the billing system has it."),
    )
    payment_gateway = models.CharField(
        _("payment gateway"),
        max_length=10,
        choices=list(GATEWAYS.items()),
        default="stripe",
    )
    payment_page_url = optional_text(
        _("payment page"),
        validate_payment_page,
        help_text=_(
            "The operator's own page for paying an invoice, e.g. "
            "https://pay.example.com/invoices/{unique_id}"
        ),
    )
    receipt_emailed = models.BooleanField(
        _("the billing system emails receipts"),
        default=True,
        help_text=_("Off: the receipt page does not say that a receipt is on its way."),
    )
    support_email = models.EmailField(_("support email"), blank=True)
    support_phone = optional_text(_("support phone"), phone, max_length=30)
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        default="en,es,fr,de",
        validators=[validate_languages],
        help_text=_("The languages this brand offers, comma-separated codes."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name or self.slug

    def palette(self) -> Palette:
        """The readable palette of this brand's own colours (the upstream's not included)."""
        return palette_build(
            primary=self.primary_color,
            secondary=self.secondary_color,
            background=self.background_color,
            text=self.text_color,
        )

    def clean(self) -> None:
        if self.invoice_payment == "page" and not self.payment_page_url:
            raise ValidationError({"payment_page_url": _("Give the payment page's address.")})
        if self.default_language not in self.languages.split(","):
            raise ValidationError(
                {"default_language": _("The default language must be one of the languages.")}
            )


class BrandHost(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(
        _("host name"),
        max_length=253,
        unique=True,
        validators=[RegexValidator(f"^{HOST_PATTERN}$", _("A lower-case host name, no port."))],
        help_text=_("A host name this brand answers on, e.g. portal.example.com (no port)."),
    )

    class Meta:
        ordering = ["host"]
        verbose_name = _("host name")
        verbose_name_plural = _("host names")

    def __str__(self) -> str:
        return self.host


class FooterLink(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="footer_links")
    label = models.CharField(_("label"), max_length=60)
    url = models.CharField(_("address"), max_length=300, validators=[web_url])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("footer link")
        verbose_name_plural = _("footer links")

    def __str__(self) -> str:
        return self.label
