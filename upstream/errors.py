"""The upstream's failures: one base class and a few kinds, so pages map them in one place."""

from __future__ import annotations


class UpstreamError(Exception):
    """Base of every failure of an upstream call; the message is for logs, not for people."""


class UpstreamUnavailable(UpstreamError):
    """No answer: connection refused or reset, a timeout, or a 5xx."""


class Throttled(UpstreamUnavailable):
    """Too many calls ([docs] 409 with Retry-After; 429 from proxies): ask again after
    `retry_after` seconds. A kind of unavailable, so any page that copes with an outage copes."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotAsked(UpstreamUnavailable):
    """Not sent: an earlier call of this page found the upstream unavailable, or the page's
    deadline has passed. What the rest of the page needs comes from the cache."""


class TokenRejected(UpstreamError):
    """401, or invalid_grant: the token or credentials are invalid, used or expired."""


class NotFound(UpstreamError):
    """404: no such thing, or not the caller's."""


class AlreadyPaid(UpstreamError):
    """[ours] A 409 without Retry-After to a checkout of an invoice: it is paid already."""


class UnexpectedAnswer(UpstreamError):
    """An answer outside the contract: another status, malformed or oversized JSON, HTML."""


class SecondFactorRequired(UpstreamError):
    """[docs] two_factor_auth_check: the account wants a TOTP code with the password.
    `code_sent`: a code was sent and refused (a wrong or stale code)."""

    def __init__(self, *, code_sent: bool) -> None:
        super().__init__("token endpoint: two_factor_auth_check")
        self.code_sent = code_sent


class PasswordResetRequired(UpstreamError):
    """[docs] must_reset_password: the account must set a new password before signing in.

    The error's description is a reset token: kept out of the message, str() and repr(), so
    that no log line or traceback can carry it.
    """

    def __init__(self, *, reset_token: str) -> None:
        super().__init__("token endpoint: must_reset_password")
        self.__reset_token = reset_token

    @property
    def reset_token(self) -> str:
        return self.__reset_token

    def __repr__(self) -> str:
        return "PasswordResetRequired()"


class PasswordRefused(UpstreamError):
    """completePasswordReset refused the new password: the location's policy, in `reasons`
    (the upstream's own words, in the language asked for)."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__(f"password refused: {len(reasons)} reason(s)")
        self.reasons = reasons
