"""The dashboard's themes by sector name the conditions partners set under each theme."""

import html
import re

from sqlalchemy import select

from consult.consideration import queries, services
from consult.extensions import db
from consult.respond.models import Response
from tests import factories
from tests.consideration import test_points
from tests.consideration.test_points import _mark_all, request_of

consultation = test_points.consultation


def _words(page):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))).split())


def _condition(consultation, name, quote, theme, officer):
    reply = db.session.scalar(
        select(Response).where(Response.request_id == request_of(consultation, name).id)
    )
    services.mark_point(
        reply,
        quote=quote,
        kind="condition",
        themes=[theme],
        by=officer,
        texts={"comments": reply.comments},
    )
    db.session.commit()


def test_the_dashboard_names_each_themes_conditions_in_a_fixed_number_of_queries(
    consultation, client, sign_in, count_queries
):
    officer, _partner, schools = _mark_all(consultation)
    consultation_id = consultation.id
    sign_in("scrutiny")
    url = f"/consultations/{consultation_id}/dashboard"
    with count_queries() as before:
        page = client.get(url)
    assert page.status_code == 200
    words = _words(page)
    assert "Conditions set:" in words
    assert "Wales High School : “a proven record of improving children's services”" in words
    assert "Aston Hall School : “A joint safeguarding plan must be agreed”" in words
    # Concerns are not conditions.
    assert "Ring 01709" not in words

    # More conditions, one with a phone number and one from a partner who declined
    # publication: the same number of queries, the number taken out, the partner marked.
    _condition(consultation, "Wales High School", "Ring 01709 822000.", schools, officer)
    _condition(consultation, "Wingfield Academy", "A private view: we oppose it.", schools, officer)
    with count_queries() as after:
        page = client.get(url)
    assert after.count == before.count, after.statements
    words = _words(page)
    assert "Wales High School : “Ring [phone number removed].”" in words
    assert "01709" not in words
    assert "Wingfield Academy Not for publication : “A private view: we oppose it.”" in words

    with count_queries() as counted:
        conditions = queries.fetch_theme_conditions(consultation_id)
    assert counted.count == 1
    assert [c.organisation for c in conditions["Schools continuity"]] == [
        "Wales High School",
        "Wingfield Academy",
    ]
    assert conditions["Schools continuity"][1].publication == "do_not_publish"
    assert [c.organisation for c in conditions["Proven partner"]] == [
        "Aston Hall School",
        "Wales High School",
    ]


def test_a_withheld_name_is_taken_out_of_a_condition_on_the_dashboard(consultation):
    officer = factories.create_user("officer", email="names@council.example")
    aston = db.session.scalar(
        select(Response).where(
            Response.request_id == request_of(consultation, "Aston Hall School").id
        )
    )
    aston.comments += "\n\nSam Kent must sit on the improvement board."
    db.session.commit()
    theme = services.theme_named(consultation, "Board", by=officer)
    _condition(
        consultation,
        "Aston Hall School",
        "Sam Kent must sit on the improvement board.",
        theme,
        officer,
    )
    [condition] = queries.fetch_theme_conditions(consultation.id)["Board"]
    assert condition.quote == "[name withheld] must sit on the improvement board."
