"""The demo: the 2017 consultation of Annex 4, loaded through the app's services."""

from sqlalchemy import func, select

from consult.auth.models import User
from consult.consultations.models import Consultation, Option
from consult.dates import london_datetime
from consult.demo import data
from consult.demo.loader import DEMO_PASSWORD, DEMO_USERS, load_demo
from consult.directory.models import Contact, Organisation
from consult.extensions import Base, db
from consult.requests.models import Request
from consult.respond.models import Response


def row_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_loading_the_demo_twice_changes_nothing(app):
    load_demo()
    db.session.commit()
    before = row_counts()

    summary = load_demo()
    db.session.commit()

    assert summary == "The demo was already loaded: nothing changed."
    assert row_counts() == before


def test_the_2017_consultation_is_closed_with_every_reply_in_order(app):
    load_demo()
    db.session.commit()

    consultation = db.session.scalar(
        select(Consultation).where(Consultation.reference == data.CONSULTATION["reference"])
    )
    assert consultation.state == "closed"
    assert consultation.issued_at == london_datetime(2017, 3, 23, 9, 0)
    assert consultation.preferred_option.name == data.OPTIONS[0]["name"]
    assert consultation.preferred_option.total_score == 33
    assert len(consultation.options) == 8 and len(consultation.criteria) == 8

    replies = db.session.execute(
        select(Organisation.name, Response.stance, Response.channel, Response.received_at)
        .join(Request, Request.id == Response.request_id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Request.consultation_id == consultation.id)
        .order_by(Response.received_at)
    ).all()
    assert [reply.name for reply in replies] == [reply["organisation"] for reply in data.REPLIES]
    assert {reply.stance for reply in replies} <= {"supports", "supports_with_reservations"}
    assert replies[0].received_at.date().isoformat() == "2017-03-27"
    assert replies[-1].received_at.date().isoformat() == "2017-04-27"
    assert {reply.channel for reply in replies} <= {"email", "post"}
    late = [r for r in replies if r.received_at > consultation.deadline_at]
    assert late, "at least one reply came after the deadline"


def test_every_partner_is_in_a_sector_with_one_contact_at_an_example_address(app):
    load_demo()
    db.session.commit()

    organisations = db.session.scalars(select(Organisation)).all()
    assert len(organisations) == len(data.ORGANISATIONS)
    assert {o.sector.slug for o in organisations} >= {
        "school",
        "police",
        "nhs-trust",
        "ccg",
        "lscb",
        "voluntary",
    }
    for organisation in organisations:
        assert len(organisation.contacts) == 1
    emails = db.session.scalars(select(Contact.email)).all()
    assert all(email.endswith(".example") for email in emails)


def test_the_practice_copy_is_a_draft_to_the_same_partners_with_a_future_deadline(app):
    load_demo()
    db.session.commit()

    draft = db.session.scalar(select(Consultation).where(Consultation.state == "draft"))
    assert draft.preferred_option is not None
    assert draft.deadline_at > london_datetime(2026, 1, 1)
    recipients = db.session.scalar(
        select(func.count(Request.id)).where(Request.consultation_id == draft.id)
    )
    assert recipients == len(data.ORGANISATIONS)
    assert (
        db.session.scalar(select(func.count(Option.id)).where(Option.consultation_id == draft.id))
        == 8
    )


def test_one_demo_user_per_role_signs_in_with_the_published_password(app, client):
    load_demo()
    db.session.commit()

    roles = db.session.scalars(select(User.role).order_by(User.role)).all()
    assert roles == ["admin", "officer", "scrutiny"]
    for email, _name, _role in DEMO_USERS:
        client.post("/sign-out")
        response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302


def test_the_demo_shows_on_the_consultations_page(app, client):
    load_demo()
    db.session.commit()
    client.post("/sign-in", data={"email": DEMO_USERS[1][0], "password": DEMO_PASSWORD})

    page = client.get("/consultations").get_data(as_text=True)

    assert data.CONSULTATION["title"].replace("'", "&#39;") in page
    assert "Closed" in page and "Draft" in page


def test_the_demo_refuses_to_load_outside_development(database_url, tmp_path):
    from consult import create_app
    from tests.conftest import make_config

    production_like = create_app(make_config(database_url, tmp_path, ALLOW_DEMO=False))
    result = production_like.test_cli_runner().invoke(args=["consult", "demo"])

    assert result.exit_code != 0
    assert "development only" in result.output
