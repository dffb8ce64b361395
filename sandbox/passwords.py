"""What the sandbox does for CONTRACT.md's "Password reset and one-time sign-in": emails a
link (into the outbox), sets a password under the location's policy, signs in once.

Its own settings, read from the environment (docs/sandbox.md), as module attributes so that a
test can change them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sandbox import conf
from sandbox.models import Business, Customer, OutboxEmail, UsedToken
from sandbox.tokens import Audience, token_claims, token_issue

# The official portal's path for the emailed link (CONTRACT.md); the portal serves it too.
RESET_PATH = "/{language}/user/resetPassword"


def _fingerprint(customer: Customer) -> str:
    # Changes with every new password (a new salt each time), so a password set by one link
    # makes every earlier link of that customer worthless.
    return hashlib.sha256(customer.password.encode()).hexdigest()[:16]


def _customer(business: Business, email: str) -> Customer | None:
    customers = Customer.objects.filter(business=business, portal_access=True)
    return customers.filter(email__iexact=email).first()


def reset_token_issue(*, customer: Customer, seconds: int) -> str:
    """A token for completePasswordReset: the emailed link's, and the description of a
    must_reset_password answer ([docs]). It names the email, and is good until it is used or
    the customer's password changes."""
    return token_issue(
        audience=Audience.PASSWORD_RESET,
        subject=str(customer.pk),
        seconds=seconds,
        email=customer.email,
        pwd=_fingerprint(customer),
    )


def reset_start(*, business: Business, email: str) -> None:
    """Emails a link to set a password, if the email is a customer's; nothing says whether."""
    customer = _customer(business, email)
    if customer is None:
        return
    token = reset_token_issue(customer=customer, seconds=conf.RESET_TOKEN_SECONDS)
    # In the language the portal asked in (Accept-Language), as the link's page will be.
    language = translation.get_language() or settings.LANGUAGE_CODE
    link = business.portal_address + RESET_PATH.format(language=language)
    link += "?" + urlencode({"token": token})
    minutes = conf.RESET_TOKEN_SECONDS // 60
    body = _(
        "Hello,\n\nsomeone, probably you, asked to set a password for your account with "
        "%(business)s. Choose one here:\n\n%(link)s\n\nThe link works once, for %(minutes)s "
        "minutes. If you did not ask for it, ignore this email: your account stays as it is."
    ) % {"business": business.name, "link": link, "minutes": minutes}
    OutboxEmail.objects.create(
        business=business,
        to=customer.email,
        subject=_("Choose your password for %(business)s") % {"business": business.name},
        body=body,
    )


@dataclass(frozen=True)
class FieldProblem:
    property_name: str
    message: str


class ResetRefused(Exception):
    """completePasswordReset cannot succeed: which field, and why (the answer's `Errors`)."""

    def __init__(self, *problems: FieldProblem) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


def policy_problems(*, business: Business, password: str) -> list[FieldProblem]:
    """What the location's password policy finds wrong with a password, one entry per rule."""
    problems = []
    if len(password) < business.password_min_length:
        message = _("The password must have at least %(count)s characters.") % {
            "count": business.password_min_length
        }
        problems.append(FieldProblem("Password", message))
    if business.password_needs_digit and not any(c.isdigit() for c in password):
        problems.append(FieldProblem("Password", _("The password must contain a digit.")))
    return problems


def _use_once(jti: object) -> bool:
    """Marks a token's jti as used; False when it was already (atomic: a unique row)."""
    if not isinstance(jti, str) or not jti:
        return False
    try:
        with transaction.atomic():
            UsedToken.objects.create(jti=jti)
    except IntegrityError:
        return False
    return True


def _token_customer(business: Business, token: str, audience: Audience) -> tuple[Customer, str]:
    """The customer a valid token of this tenant names, and the token's jti."""
    claims = token_claims(token=token, audience=audience)
    subject = str(claims.get("sub")) if claims else ""
    customers = Customer.objects.filter(business=business, portal_access=True)
    found = customers.filter(pk=int(subject)).first() if subject.isdigit() else None
    if claims is None or found is None or UsedToken.objects.filter(jti=claims["jti"]).exists():
        raise ResetRefused(FieldProblem("Token", _("The link is invalid, used or expired.")))
    if audience == Audience.PASSWORD_RESET and claims.get("pwd") != _fingerprint(found):
        raise ResetRefused(FieldProblem("Token", _("The link is invalid, used or expired.")))
    return found, str(claims["jti"])


def reset_complete(*, business: Business, token: str, password: str) -> str:
    """Sets the password the link's token allows; answers the one-time JWT for exchange.

    A password the policy refuses leaves the link usable; a link used, expired, of another
    tenant, or older than the customer's last new password is refused.
    """
    customer, jti = _token_customer(business, token, Audience.PASSWORD_RESET)
    problems = policy_problems(business=business, password=password)
    if problems:
        raise ResetRefused(*problems)
    with transaction.atomic():
        # Both conditional: of concurrent uses of one link, or of two links, one wins.
        changed = Customer.objects.filter(pk=customer.pk, password=customer.password).update(
            password=make_password(password), must_reset_password=False
        )
        if not changed or not _use_once(jti):
            raise ResetRefused(FieldProblem("Token", _("The link is invalid, used or expired.")))
    return token_issue(
        audience=Audience.ONE_TIME, subject=str(customer.pk), seconds=conf.ONE_TIME_TOKEN_SECONDS
    )


def exchange(*, business: Business, token: str) -> Customer | None:
    """The customer a one-time JWT signs in, once; None if it is invalid, used or expired."""
    try:
        customer, jti = _token_customer(business, token, Audience.ONE_TIME)
    except ResetRefused:
        return None
    return customer if _use_once(jti) else None
