"""The login and logout forms (CSRF-protected by Flask-WTF), read from HTML form bodies only."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

FORM_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def is_form_body() -> bool:
    """True when the request body is an HTML form (the only body the sign-in pages read)."""
    return request.mimetype in FORM_BODIES


def submitted_username() -> str:
    """The username a sign-in attempt names, read from the same place the login form reads it."""
    return (request.form.get("username") or "").strip() if is_form_body() else ""


class HtmlForm(FlaskForm):
    """A form bound to `request.form` only: Flask-WTF would also take a JSON body, which the
    sign-in rate limit (keyed on the form's username) would then not see."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            return data if is_form_body() else None


class LoginForm(HtmlForm):
    """Username and password, plus where to go afterwards."""

    username = StringField("Username", validators=[DataRequired(), Length(max=150)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class LogoutForm(HtmlForm):
    """Nothing but the CSRF token: logging out is a POST that another site cannot forge."""
