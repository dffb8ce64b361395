from __future__ import annotations

from django.urls import URLPattern, path

from accounts import views

# Mounted at /{lang}/ by portal/urls.py; the names are the project's (`sign_in`), as
# LOGIN_URL names them.
signing_in: list[URLPattern] = [
    path("sign-in", views.sign_in, name="sign_in"),
    path("sign-in/code", views.sign_in_code, name="sign_in_code"),
    path("sign-out", views.sign_out, name="sign_out"),
]
# Setting a password (docs/accounts.md): the form, "check your inbox", and the emailed link's
# page, at the official portal's path so that the upstream's emails open it.
setting_a_password: list[URLPattern] = [
    path("password/forgot", views.password_forgot, name="password_forgot"),
    path("password/sent", views.password_sent, name="password_sent"),
    path("user/resetPassword", views.password_reset, name="password_reset"),
]
urlpatterns = signing_in + setting_a_password
