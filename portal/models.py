"""The portal app's models, for Django to find; they live with the brands they describe."""

from portal.brands.models import Brand, BrandHost, FooterLink

__all__ = ["Brand", "BrandHost", "FooterLink"]
