from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=1000, message="Password must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the code from your authenticator app"),
            Length(max=40, message="Enter the 6-digit code, or a recovery code"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password"), Length(max=1000)],
    )
    confirm = PasswordField(
        "Type it again",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Type the password again")],
    )
    submit = SubmitField("Save the password", widget=GovSubmitInput())

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError("The two passwords are not the same")


class InviteForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's name"), Length(max=200)],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter their email address"), Length(max=320)],
    )
    role = RadioField(
        "Role",
        choices=[
            ("officer", "Officer: drafts and runs consultations"),
            ("scrutiny", "Scrutiny: reads everything, changes nothing"),
            ("admin", "Admin: an officer who also manages users and personal data"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose a role")],
    )
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = RadioField(
        "Role",
        choices=[("officer", "Officer"), ("scrutiny", "Scrutiny"), ("admin", "Admin")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose a role")],
    )
    submit = SubmitField("Change the role", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class TwoFactorPolicyForm(FlaskForm):
    roles = SelectMultipleField(
        "Roles that must use two-factor sign-in",
        choices=[("officer", "Officers"), ("scrutiny", "Scrutiny"), ("admin", "Admins")],
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
