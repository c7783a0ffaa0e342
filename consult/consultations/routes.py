from flask import Blueprint, redirect, render_template, url_for

from consult.auth.access import public, signed_in
from consult.consultations.queries import fetch_consultation_summaries

bp = Blueprint("consultations", __name__)


@bp.route("/")
@public
def home():
    return redirect(url_for("consultations.index"))


@bp.route("/consultations")
@signed_in
def index():
    return render_template("consultations/index.html", consultations=fetch_consultation_summaries())
