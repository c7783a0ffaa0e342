from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired


class AnnexForm(FlaskForm):
    format = RadioField(
        "Format",
        choices=[
            ("pdf", "PDF, with letters partners sent as PDFs included as their own pages"),
            ("docx", "Word, to edit before it goes to the committee"),
        ],
        default="pdf",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose PDF or Word")],
    )
    submit = SubmitField("Build the annex", widget=GovSubmitInput())
