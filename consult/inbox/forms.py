"""The officer's forms for an email that arrived: record it, file it, set it aside."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from consult.record.forms import alternative_field, publication_field, stance_field


class RecordArrivalForm(FlaskForm):
    """The answer an officer reads from a filed reply: the same questions, legends and
    choices as recording a reply by hand, nothing preselected. Each email on the request
    page has its own, named by its prefix."""

    stance = stance_field()
    alternative_option = alternative_field()
    publication = publication_field()
    submit = SubmitField("Record as the reply", widget=GovSubmitInput())

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._others = {
            option.id: option for option in consultation.options if not option.is_preferred
        }
        self.alternative_option.choices = [(0, "None")] + [
            (option.id, option.name) for option in self._others.values()
        ]

    def alternative(self):
        """The other option the organisation prefers, or None; a form error (and None)
        when the stance needs one and none is chosen."""
        if self.stance.data != "prefers_another_option":
            return None
        option = self._others.get(self.alternative_option.data)
        if option is None:
            self.alternative_option.errors = ["Choose the option they prefer instead"]
        return option


def arrival_prefix(arrival):
    return f"email-{arrival.id}"


class AssignForm(FlaskForm):
    """File an email under a request of an open consultation."""

    request_id = SelectField(
        "Which request it is about",
        coerce=int,
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the organisation and consultation")],
    )
    submit = SubmitField("File it under this request", widget=GovSubmitInput())

    def __init__(self, requests, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_id.choices = [(0, "Choose a request")] + [
            (request_id, f"{organisation} ({reference})")
            for request_id, organisation, reference in requests
        ]

    def validate_request_id(self, field):
        if not field.data:  # "Choose a request"
            raise ValidationError("Choose the organisation and consultation")


class SetAsideForm(FlaskForm):
    submit = SubmitField("Yes, set it aside", widget=GovSubmitInput())


class PutBackForm(FlaskForm):
    submit = SubmitField("Put it back", widget=GovSubmitInput())
