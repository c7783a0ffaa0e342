from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField


class RemindNowForm(FlaskForm):
    submit = SubmitField("Send the reminders", widget=GovSubmitInput())
