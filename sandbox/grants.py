"""The token endpoint's rules as Nexudus documents them (CONTRACT.md, "Authenticated
customers"): client_id on both grants, refresh-token rotation, two-factor codes and forced
password resets; and the demo accounts that show the last two."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

import pyotp
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from sandbox import conf, passwords
from sandbox.models import Business, Customer, RefreshGrant
from sandbox.tokens import Audience, token_claims, token_issue

# Minutes a forced reset's token lives ([docs] "short-lived").
RESET_TOKEN_SECONDS = 30 * 60


class GrantRefused(Exception):
    """The token endpoint's OAuth error: `code` and a description for people (or a token)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(code)
        self.code, self.description = code, description


def customer_authenticate(*, business: Business, email: str, password: str) -> Customer | None:
    customer = Customer.objects.filter(business=business, email__iexact=email).first()
    if customer is None:
        # Same work as a real check, so that timing does not tell which emails exist.
        make_password(password)
        return None
    if not check_password(password, customer.password) or not customer.portal_access:
        return None
    return customer


def tokens_issue(*, customer: Customer, client_id: str | None = None) -> dict[str, str | int]:
    """The body of a successful /api/token answer. The refresh token is of `client_id` (the
    email by default, as Nexudus does) and of that client's current generation."""
    client_id = client_id or customer.email
    grant, _ = RefreshGrant.objects.get_or_create(customer=customer, client_id=client_id)
    return _tokens(customer=customer, client_id=client_id, generation=grant.generation)


def _tokens(*, customer: Customer, client_id: str, generation: int) -> dict[str, str | int]:
    subject = str(customer.pk)
    return {
        "access_token": token_issue(
            audience=Audience.ACCESS, subject=subject, seconds=conf.ACCESS_TOKEN_SECONDS
        ),
        "token_type": "bearer",
        "expires_in": conf.ACCESS_TOKEN_SECONDS,
        "refresh_token": token_issue(
            audience=Audience.REFRESH,
            subject=subject,
            seconds=conf.REFRESH_TOKEN_SECONDS,
            cid=client_id,
            gen=str(generation),
        ),
    }


def password_checks(*, customer: Customer, totp: str | None) -> None:
    """After a right password: a forced reset first, then the second factor."""
    if customer.must_reset_password:
        token = passwords.reset_token_issue(customer=customer, seconds=RESET_TOKEN_SECONDS)
        raise GrantRefused("must_reset_password", token)
    if customer.totp_secret and not (totp and _totp_used(customer, totp)):
        raise GrantRefused("two_factor_auth_check", _("A two-factor code is required."))


def _totp_used(customer: Customer, code: str) -> bool:
    """Whether `code` is the customer's for this time step or one either side (authenticator
    apps' clocks drift), and newer than the last one accepted: a code works once (RFC 6238,
    5.2), whichever session sends it; of two sending it at once, one conditional UPDATE wins."""
    totp = pyotp.TOTP(customer.totp_secret)
    now = time.time()
    for offset in (-1, 0, 1):
        moment = now + offset * totp.interval
        if hmac.compare_digest(totp.at(moment), code.strip()):
            step = totp.timecode(datetime.fromtimestamp(moment, tz=UTC))
            newer = Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step)
            return bool(Customer.objects.filter(newer, pk=customer.pk).update(totp_last_step=step))
    return False


def refresh_rotate(
    *, business: Business, refresh_token: str, client_id: str | None
) -> dict[str, str | int]:
    """[docs] The refresh grant: the client_id of the sign-in is required, and each refresh
    invalidates the earlier refresh tokens of that client_id. Of two refreshes racing with one
    token, one conditional UPDATE lets exactly one through."""
    if not client_id:
        raise GrantRefused("invalid_client", _("client_id is required."))
    claims = token_claims(token=refresh_token, audience=Audience.REFRESH) or {}
    subject, generation = claims.get("sub"), claims.get("gen")
    if (
        claims.get("cid") != client_id
        or not str(subject).isdigit()
        or not str(generation).isdigit()
    ):
        raise GrantRefused("invalid_grant", _("The refresh token is invalid or has expired."))
    customers = Customer.objects.filter(business=business, portal_access=True)
    customer = customers.filter(pk=int(str(subject))).first()
    with transaction.atomic():
        rotated = RefreshGrant.objects.filter(
            customer=customer, client_id=client_id, generation=int(str(generation))
        ).update(generation=F("generation") + 1)
    if customer is None or not rotated:
        raise GrantRefused("invalid_grant", _("The refresh token is invalid or has expired."))
    return _tokens(customer=customer, client_id=client_id, generation=int(str(generation)) + 1)


# Demo accounts for the documented awkward sign-ins (docs/sandbox.md): public on purpose.
DEMO_2FA_EMAIL = "demo-2fa@example.com"
DEMO_2FA_SECRET = "JBSWY3DPEHPK3PXPDEMO2FA2"  # noqa: S105  (base32, public: docs/sandbox.md)
DEMO_RESET_EMAIL = "demo-reset@example.com"


def demo_accounts_seed(*, business: Business, password: str) -> None:
    """The two-factor and the forced-reset demo customers (no invoices of their own)."""
    for email, changes in (
        (DEMO_2FA_EMAIL, {"totp_secret": DEMO_2FA_SECRET}),
        (DEMO_RESET_EMAIL, {"must_reset_password": True}),
    ):
        Customer.objects.get_or_create(
            business=business,
            email__iexact=email,
            defaults={"email": email, "password": make_password(password), "portal_access": True}
            | changes,
        )
