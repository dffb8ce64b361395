"""The operators' side: brands, their host names and footer links, in the Django admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.brands.colors import AA_NORMAL_TEXT, color_parse, contrast
from portal.brands.models import Brand, BrandHost, FooterLink

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


class BrandForm(forms.ModelForm[Brand]):
    languages = forms.MultipleChoiceField(
        label=_("languages"), choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    logo_file = forms.ImageField(
        label=_("upload a logo"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 256 KB. Shown at 2.5 rem high."),
    )
    remove_logo = forms.BooleanField(label=_("remove the uploaded logo"), required=False)

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
            "support_email",
            "support_phone",
            "default_language",
            "languages",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
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
        for name in ("primary_color", "secondary_color", "background_color", "text_color"):
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
        (_("Contact"), {"fields": ["support_email", "support_phone"]}),
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

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        palette = obj.palette()
        # The portal keeps every text readable; the operator is told which colour it picked.
        for note in palette.adjustments:
            self.message_user(
                request, _("Adjusted for readability: %(note)s.") % {"note": note}, messages.WARNING
            )
