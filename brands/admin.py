"""The operators' side: brands, their host names and footer links, in the Django admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from brands.colors import AA_NORMAL_TEXT, color_parse, contrast
from brands.hosts import hosts_without_brand, site_hosts
from brands.models import Brand, BrandHost, FooterLink

COLOR_FIELDS = ("primary_color", "secondary_color", "background_color", "text_color")

LOGO_MAX_BYTES = 256 * 1024
# Raster formats only: an SVG can carry script, and the logo is served from the portal's origin.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class BrandHostForm(forms.ModelForm[BrandHost]):
    def clean_host(self) -> str:
        return str(self.cleaned_data["host"]).strip().lower().rstrip(".")


class BrandHostInline(admin.TabularInline[BrandHost, Brand]):
    model = BrandHost
    form = BrandHostForm
    extra = 1


class FooterLinkInline(admin.TabularInline[FooterLink, Brand]):
    model = FooterLink
    extra = 1


class ColorInput(forms.TextInput):
    """A #rrggbb text field (empty: the upstream's colour) with a colour picker beside it; the
    picker needs JavaScript (static/js/brand-colors.js), so it stays hidden without."""

    class Media:
        js = ["js/brand-colors.js"]

    def __init__(self) -> None:
        super().__init__(attrs={"placeholder": "#rrggbb", "size": 9, "maxlength": 7})

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        text = super().render(name, value, attrs, renderer)
        picker = format_html(
            '<input type="color" class="color-picker" data-color-for="{}" value="{}" '
            'aria-label="{}" hidden>',
            (attrs or {}).get("id", f"id_{name}"),
            color_parse(str(value or "")) or "#000000",
            _("Pick a colour"),
        )
        return text + picker


class BrandForm(forms.ModelForm[Brand]):
    # Form-only fields get their labels as written (the model's are capitalised by Django).
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    logo_file = forms.ImageField(
        label=_("Upload a logo"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 256 KB. Shown at 2.5 rem high."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the uploaded logo"), required=False)

    class Meta:
        model = Brand
        fields = [
            "slug",
            "name",
            "logo_url",
            "upstream_url",
            "public_base_url",
            "pdf_link_scheme",
            "primary_color",
            "secondary_color",
            "background_color",
            "text_color",
            "website_url",
            "shop_url",
            "invoice_payment",
            "payment_gateway",
            "payment_page_url",
            "receipt_emailed",
            "support_email",
            "support_phone",
            "default_language",
            "languages",
        ]
        widgets = {name: ColorInput() for name in COLOR_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new brand's too: the model's default, every language, checked from the start.
        self.initial["languages"] = self.instance.languages.split(",")

    def clean_languages(self) -> str:
        chosen = self.cleaned_data["languages"]
        # In the portal's order, so the switcher lists them the same way for every brand.
        return ",".join(code for code, _name in settings.LANGUAGES if code in chosen)

    def clean_logo_file(self) -> Any:
        upload = self.cleaned_data.get("logo_file")
        if upload is None:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is over 256 KB."))
        # Django's ImageField had Pillow open it; the format it found decides the type.
        image_format = getattr(upload, "image", None) and upload.image.format
        if image_format not in LOGO_FORMATS:
            raise forms.ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."))
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in COLOR_FIELDS:
            if cleaned.get(name):
                cleaned[name] = color_parse(cleaned[name]) or cleaned[name]
        text, background = cleaned.get("text_color"), cleaned.get("background_color")
        if text and background and contrast(text, background) < AA_NORMAL_TEXT:
            # The operator chose both: a readable pair is theirs to choose, not ours to guess.
            self.add_error(
                "text_color",
                _(
                    "Text %(text)s on background %(background)s has a contrast of %(ratio).2f:1; "
                    "WCAG AA asks for at least 4.5:1."
                )
                % {"text": text, "background": background, "ratio": contrast(text, background)},
            )
        return cleaned

    def save(self, commit: bool = True) -> Brand:
        brand = super().save(commit=False)
        upload = self.cleaned_data.get("logo_file")
        if upload is not None:
            upload.seek(0)
            brand.logo = upload.read()
            brand.logo_type = LOGO_FORMATS[upload.image.format]
        elif self.cleaned_data.get("remove_logo"):
            brand.logo, brand.logo_type = b"", ""
        if commit:
            brand.save()
            self.save_m2m()
        return brand


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin[Brand]):
    form = BrandForm
    inlines = [BrandHostInline, FooterLinkInline]
    list_display = ["slug", "name", "upstream_url", "host_names", "default_language"]
    readonly_fields = ["readability"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "logo_file", "remove_logo", "logo_url"]}),
        (_("Upstream"), {"fields": ["upstream_url", "public_base_url", "pdf_link_scheme"]}),
        (
            _("Colours"),
            {
                "fields": [
                    "primary_color",
                    "secondary_color",
                    "background_color",
                    "text_color",
                    "readability",
                ],
                "description": _(
                    "Empty colours come from the upstream business. Colours are #rrggbb."
                ),
            },
        ),
        (
            _("Contact"),
            {"fields": ["website_url", "shop_url", "support_email", "support_phone"]},
        ),
        (
            _("Paying invoices"),
            {
                "fields": [
                    "invoice_payment",
                    "payment_gateway",
                    "payment_page_url",
                    "receipt_emailed",
                ]
            },
        ),
        (_("Languages"), {"fields": ["default_language", "languages"]}),
    ]

    @admin.display(description=_("host names"))
    def host_names(self, brand: Brand) -> str:
        return ", ".join(host.host for host in brand.hosts.all())

    @admin.display(description=_("readability"))
    def readability(self, brand: Brand) -> str:
        palette = brand.palette()
        rows = [
            (_("Text on background"), palette.text, palette.background),
            (_("Button text on primary"), palette.on_primary, palette.primary),
            (_("Links on background"), palette.link, palette.background),
        ]
        return format_html_join(
            "",
            "<p>{}: {} on {}, {}:1</p>",
            ((label, fg, bg, f"{contrast(fg, bg):.2f}") for label, fg, bg in rows),
        ) + format_html("<p>{}</p>", "; ".join(palette.adjustments) or _("No adjustment."))

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("hosts")

    # Warnings before a change leaves a host name without a brand (brands.hosts), on the
    # pages that lead to one; after a save the admin returns to one of them, which says it again.
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            _warn_unserved(request, hosts_without_brand())
        return super().changelist_view(request, extra_context)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            if object_id is None and not Brand.objects.exists() and not settings.DEFAULT_BRAND:
                _warn_first_brand(request)
            else:
                _warn_unserved(request, hosts_without_brand())
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET" and object_id.isdigit():
            left = set(hosts_without_brand(leaving_out=int(object_id)))
            lost = sorted(left - set(hosts_without_brand()))
            if lost:
                message = _(
                    "Deleting this brand leaves these host names without a brand; they will "
                    "show “This address is not set up”: %(hosts)s."
                )
                messages.warning(request, message % {"hosts": ", ".join(lost)})
        return super().delete_view(request, object_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        palette = obj.palette()
        # The portal keeps every text readable; the operator is told which colour it picked.
        for note in palette.adjustments:
            self.message_user(
                request, _("Adjusted for readability: %(note)s.") % {"note": note}, messages.WARNING
            )


def _warn_unserved(request: HttpRequest, hosts: list[str]) -> None:
    if hosts:
        message = _(
            "No brand lists these host names, so they show “This address is not set up”: "
            "%(hosts)s. List them under a brand, or set DEFAULT_BRAND."
        )
        messages.warning(request, message % {"hosts": ", ".join(hosts)})


def _warn_first_brand(request: HttpRequest) -> None:
    message = _(
        "While no brand exists, every host name gets the default brand. Once this brand is "
        "saved, a host name no brand lists shows “This address is not set up”; this site "
        "answers on %(hosts)s. List each under a brand, or set DEFAULT_BRAND."
    )
    messages.warning(request, message % {"hosts": ", ".join(site_hosts()) or "—"})
