"""Each change to the points and themes is an audit event of its own name, holding no
words of the partner's; renaming a theme; and erasure reaching the saved suggestions."""

import html
import json

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consideration import services
from consult.consideration.models import Point, SuggestionRun, Theme
from consult.db import utcnow
from consult.extensions import db
from consult.redaction import NAME_WITHHELD
from consult.respond.models import Response
from tests import factories
from tests.consideration import test_points
from tests.consideration.test_points import request_of

consultation = test_points.consultation

CONDITION = (
    "Our support is conditional on the partner having a proven record of improving "
    "children's services elsewhere."
)


def events(action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_renaming_a_theme_keeps_its_points_and_refuses_a_name_in_use(consultation, client, sign_in):
    officer = factories.create_user("officer", email="renamer@council.example")
    theme = services.theme_named(consultation, "Partner", by=officer)
    services.theme_named(consultation, "Schools", by=officer)
    wales = request_of(consultation, "Wales High School")
    reply = db.session.scalar(select(Response).where(Response.request_id == wales.id))
    services.mark_point(
        reply,
        quote=CONDITION,
        kind="condition",
        themes=[theme],
        by=officer,
        texts={"comments": reply.comments},
    )
    db.session.commit()
    theme_id = theme.id
    sign_in("officer")

    renamed = client.post(
        f"/themes/{theme_id}",
        data={"name": "  Proven   partner ", "response": "", "change_made": "", "state": "draft"},
    )
    assert renamed.status_code == 302
    db.session.expire_all()
    theme = db.session.get(Theme, theme_id)
    assert theme.name == "Proven partner"
    assert [point.quote for point in theme.points] == [CONDITION]
    [event] = events("theme renamed")
    assert event.details["was"] == "Partner" and event.details["now"] == "Proven partner"
    assert event.consultation_id == consultation.id

    clash = client.post(
        f"/themes/{theme_id}",
        data={"name": "Schools", "response": "", "change_made": "", "state": "draft"},
    )
    assert clash.status_code == 400
    assert "There is already a theme with that name" in html.unescape(clash.get_data(True))
    blank = client.post(f"/themes/{theme_id}", data={"name": " ", "response": "", "state": "draft"})
    assert blank.status_code == 400
    db.session.expire_all()
    assert db.session.get(Theme, theme_id).name == "Proven partner"
    assert len(events("theme renamed")) == 1


def test_every_change_is_an_audit_event_named_for_it(consultation, client, sign_in):
    sign_in("officer")
    wales = request_of(consultation, "Wales High School")
    consultation_id = consultation.id

    def post(url, data):
        answer = client.post(url, data=data)
        assert answer.status_code == 302, html.unescape(answer.get_data(True))

    post(f"/consultations/{consultation_id}/themes", {"name": "Partner"})
    post(f"/consultations/{consultation_id}/themes", {"name": "Other views"})
    partner, other = (
        db.session.scalar(select(Theme.id).where(Theme.name == name))
        for name in ("Partner", "Other views")
    )
    post(
        f"/requests/{wales.id}/points",
        {"paragraph": "comments-1", "kind": "condition", "themes": [str(partner)]},
    )
    post(f"/requests/{wales.id}/points", {"paragraph": "comments-0", "kind": "support"})
    first, second = db.session.scalars(select(Point.id).order_by(Point.id)).all()
    post(f"/points/{second}", {f"point-{second}-kind": "other", f"point-{second}-themes": [other]})
    post(
        f"/themes/{partner}",
        {"name": "Proven partner", "response": "Noted.", "change_made": "", "state": "draft"},
    )
    post(
        f"/consultations/{consultation_id}/themes/merge",
        {"source": str(other), "target": str(partner)},
    )
    post(
        f"/themes/{partner}",
        {
            "name": "Proven partner",
            "response": "The council will choose a partner rated good or better.",
            "change_made": "Added to the procurement criteria.",
            "state": "agreed",
        },
    )
    post(f"/consultations/{consultation_id}/outcome", {})
    post(f"/points/{first}/remove", {})

    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    ours = [action for action in actions if action not in ("signed in", "issued", "reply recorded")]
    assert ours[-11:] == [
        "theme added",
        "theme added",
        "point marked",
        "point marked",
        "point changed",
        "theme renamed",
        "council response written",
        "themes merged",
        "council response written",
        "outcome published",
        "point removed",
    ], ours
    assert [event.details["state"] for event in events("council response written")] == [
        "draft",
        "agreed",
    ]
    [merged] = events("themes merged")
    assert merged.details["merged_name"] == "Other views" and merged.details["into"] == partner
    [published] = events("outcome published")
    assert published.details["themes"] == 1 and published.consultation_id == consultation_id

    # The trail is kept for good, so the removed point's words are not in it.
    [removed] = events("point removed")
    assert removed.details == {"point_id": first, "themes": ["Proven partner"]}
    assert removed.request_id == wales.id
    assert db.session.get(Point, first) is None
    stored = json.dumps([event.details for event in db.session.scalars(select(AuditEvent))])
    assert "proven record" not in stored and "We support Option 3" not in stored


def _saved_run(consultation, officer):
    run = services.request_suggestions(consultation, by=officer)
    wales = request_of(consultation, "Wales High School")
    aston = request_of(consultation, "Aston Hall School")
    run.status = "done"
    run.suggestions = [
        {
            "label": "Named officers",
            "existing_theme": None,
            "passages": [
                {
                    "request_id": wales.id,
                    "organisation": "Wales High School",
                    "text": "Pat Lee asks for a named officer.",
                },
                {
                    "request_id": aston.id,
                    "organisation": "Aston Hall School",
                    "text": "Sam Kent asks for a named officer too.",
                },
            ],
        }
    ]
    db.session.commit()
    return run.id


def test_erasing_a_person_takes_their_name_out_of_saved_suggestions(consultation):
    from consult.retention import services as retention

    officer = factories.create_user("officer", email="suggested@council.example")
    run_id = _saved_run(consultation, officer)
    wales = request_of(consultation, "Wales High School")
    reply = db.session.scalar(select(Response).where(Response.request_id == wales.id))
    reply.submitted_by_link_id = wales.links[0].id
    db.session.commit()

    record = retention.find_person(wales.links[0].contact.email)
    retention.erase_person(record, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    passages = db.session.get(SuggestionRun, run_id).suggestions[0]["passages"]
    assert passages[0]["text"] == f"{NAME_WITHHELD} asks for a named officer."
    # Another partner's paragraph is not theirs to erase.
    assert passages[1]["text"] == "Sam Kent asks for a named officer too."


def test_erasing_a_consultation_deletes_its_saved_suggestions(consultation):
    from consult.retention import services as retention

    officer = factories.create_user("officer", email="suggested@council.example")
    run_id = _saved_run(consultation, officer)
    retention.erase_consultation(consultation, now=utcnow())
    db.session.commit()
    assert db.session.get(SuggestionRun, run_id) is None
    assert db.session.query(SuggestionRun).count() == 0
