"""Customers: sign-in and its code step, password set and reset, the tokens kept in the
server-side session, their refresh, and the limits on attempts."""
