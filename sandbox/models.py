"""The sandbox upstream's data: what a Nexudus-style tenant keeps for CONTRACT.md."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency
from django.db import models
from django.db.models.functions import Lower
from django.utils import translation

from sandbox import conf

CENT = Decimal("0.01")


class Business(models.Model):
    name = models.CharField(max_length=200)
    # Host name (with a port in development). Blank: the host the sandbox is reached on.
    web_address = models.CharField(max_length=200, blank=True)
    currency_code = models.CharField(max_length=3, default="EUR")
    currency_name = models.CharField(max_length=50, default="Euro")
    # Reported as Currency.Format [ours]; amounts themselves are written the way the
    # caller's language writes money (format_money).
    currency_format = models.CharField(max_length=20, default="€{amount}")
    language_culture = models.CharField(max_length=10, default="en-GB")
    time_zone = models.CharField(max_length=50, default="Europe/London")
    address = models.CharField(max_length=200, blank=True)
    town_city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country_name = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.2100"))
    primary_color = models.CharField(max_length=7, default="#1f5f8b")
    secondary_color = models.CharField(max_length=7, default="#f2a541")
    background_color = models.CharField(max_length=7, default="#ffffff")
    text_color = models.CharField(max_length=7, default="#1b1f23")
    # Where the tenant's customer portal is, for the links its emails carry and the gateway's
    # return (a Nexudus tenant knows its portal's domain). Blank: SANDBOX_PORTAL_URL.
    portal_url = models.CharField(max_length=200, blank=True)
    # The location's password policy, enforced by completePasswordReset.
    password_min_length = models.PositiveSmallIntegerField(default=8)
    password_needs_digit = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "businesses"

    def __str__(self) -> str:
        return self.name

    @property
    def portal_address(self) -> str:
        """The tenant's portal (its links and the gateway's return): its own, else the one the
        sandbox is configured with (SANDBOX_PORTAL_URL)."""
        return (self.portal_url or conf.PORTAL_URL).rstrip("/")

    def format_money(self, amount: Decimal) -> str:
        """The amount in the business's currency, written the way the active language writes
        money (CLDR, through Babel): €1,234.50 in English, 1.234,50 € in German."""
        return format_currency(
            amount.quantize(CENT, ROUND_HALF_UP),
            self.currency_code,
            locale=translation.to_locale(translation.get_language() or "en"),
        )


class Customer(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    full_name = models.CharField(max_length=200, blank=True)
    # A Django password hash; an unusable one until the customer sets a password.
    password = models.CharField(max_length=128, blank=True)
    portal_access = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # [docs] Two-factor sign-in: a base32 TOTP secret (RFC 6238); blank for none.
    totp_secret = models.CharField(max_length=64, blank=True)
    # The time step (RFC 6238) of the last code accepted: a code is good once, in any session.
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    # [docs] The password grant answers must_reset_password until a new one is set.
    must_reset_password = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # One customer per email and business, whatever the case of the address.
            models.UniqueConstraint(
                Lower("email"), "business", name="sandbox_customer_email_per_business"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class RefreshGrant(models.Model):
    """[docs] Refresh tokens are per customer and client_id, and rotate: each refresh answers
    a new one and the earlier ones of that client_id die. Tokens carry the generation they
    were issued in; only the current one is accepted."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=200)
    generation = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint("customer", "client_id", name="sandbox_grant_per_client"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} / {self.client_id}"


class Invoice(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="invoices")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    unique_id = models.UUIDField(default=uuid.uuid4, unique=True)
    invoice_number = models.CharField(max_length=30, blank=True)
    bill_to_name = models.CharField(max_length=200, blank=True)
    bill_to_email = models.EmailField()
    created_on = models.DateTimeField()
    due_date = models.DateTimeField()
    paid_on = models.DateTimeField(null=True, blank=True)
    draft = models.BooleanField(default=False)
    credit_note = models.BooleanField(default=False)
    # Cancelled: nothing is due, nothing can be paid (InvoicePreview does not carry it).
    void = models.BooleanField(default=False)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "business",
                "invoice_number",
                name="sandbox_invoice_number_per_business",
                condition=~models.Q(invoice_number=""),
            ),
        ]
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return self.invoice_number

    @property
    def paid(self) -> bool:
        return self.paid_on is not None

    @property
    def sub_total(self) -> Decimal:
        return sum((line.total for line in self.lines.all()), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return (self.sub_total * self.tax_rate).quantize(CENT, ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.sub_total + self.tax

    @property
    def due_amount(self) -> Decimal:
        return Decimal(0) if self.paid or self.credit_note or self.void else self.total


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


class BasketSession(models.Model):
    class Gateway(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        SPREEDLY = "spreedly", "Spreedly"
        PAYPAL = "paypal", "PayPal"

    class Status(models.TextChoices):
        PENDING = "Pending"
        PAID = "Paid"
        FAILED = "Failed"

    class Kind(models.TextChoices):
        # A guest's purchase makes its invoice; an invoice basket pays an existing one.
        PURCHASE = "purchase"
        INVOICE = "invoice"

    # The basket session token: the payment gateway's session id, a GUID (CONTRACT.md).
    guid = models.UUIDField(default=uuid.uuid4, unique=True)
    gateway = models.CharField(max_length=10, choices=Gateway.choices)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="basket_sessions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What a Pending session turns into at `settles_at`, as a late gateway webhook would.
    outcome = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)
    settles_at = models.DateTimeField()
    buyer_email = models.EmailField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PURCHASE)
    # An invoice basket's: where the gateway page sends the buyer back, and the language of
    # the portal page that started it (the gateway page's and the receipt's).
    return_url = models.CharField(max_length=2048, blank=True)
    language = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return f"{self.gateway} {self.guid}"


class Payment(models.Model):
    """A card payment the simulated gateway took for an invoice: InvoiceDetail's Payments."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    # One payment per basket session: a second "Pay" of one basket cannot pay twice.
    basket = models.OneToOneField(
        BasketSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="payment"
    )
    paid_on = models.DateTimeField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    card_brand = models.CharField(max_length=20)
    card_last_four = models.CharField(max_length=4)

    class Meta:
        ordering = ["paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class OutboxEmail(models.Model):
    """An email the sandbox "sent": kept here, and shown at /sandbox/outbox, in place of a
    mail server."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class UsedToken(models.Model):
    """The id (`jti`) of a single-use JWT once it was used: the unique constraint makes the
    use atomic, so of two concurrent uses exactly one succeeds."""

    jti = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.jti
