"""The upstream's failures: one base class and four kinds, so pages map them in one place."""

from __future__ import annotations


class UpstreamError(Exception):
    """Base of every failure of an upstream call; the message is for logs, not for people."""


class UpstreamUnavailable(UpstreamError):
    """No answer: connection refused or reset, a timeout, or a 5xx."""


class TokenRejected(UpstreamError):
    """401: the token or credentials are invalid, used or expired."""


class NotFound(UpstreamError):
    """404: no such thing, or not the caller's."""


class UnexpectedAnswer(UpstreamError):
    """An answer outside the contract: another status, malformed or oversized JSON, HTML."""


class PasswordRefused(UpstreamError):
    """completePasswordReset refused the new password: the location's policy, in `reasons`
    (the upstream's own words, in the language asked for)."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__(f"password refused: {len(reasons)} reason(s)")
        self.reasons = reasons
