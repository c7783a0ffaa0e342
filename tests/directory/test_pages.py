"""Keeping the partner directory: organisations, contacts, sectors."""

import pytest
from sqlalchemy import select

from consult.directory.models import Contact, Organisation, Sector
from consult.extensions import db
from consult.issuing import services as issuing
from tests import factories


@pytest.fixture
def school(app):
    return factories.create_sector("school", "School")


def test_an_officer_adds_an_organisation_and_its_contact(client, sign_in, school):
    sign_in("officer")

    created = client.post(
        "/partners/new",
        data={"name": "Wingfield Academy", "sector": school.id, "address": "Rotherham"},
    )
    organisation = db.session.scalar(select(Organisation))
    added = client.post(
        f"/partners/{organisation.id}/contacts/new",
        data={"name": "Alex Morgan", "role": "Headteacher", "email": "Head@Wingfield.example"},
    )

    assert created.status_code == added.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.email == "head@wingfield.example"
    page = client.get(f"/partners/{organisation.id}").get_data(as_text=True)
    assert "Alex Morgan" in page and "Headteacher" in page


def test_bad_input_is_explained_and_nothing_saved(client, sign_in, school):
    sign_in("officer")
    organisation = factories.create_organisation("Wingfield Academy", sector=school)
    db.session.commit()
    existing = organisation.contacts[0].email

    no_sector = client.post("/partners/new", data={"name": "Wales High School", "sector": 0})
    duplicate_name = client.post(
        "/partners/new", data={"name": "Wingfield Academy", "sector": school.id}
    )
    bad_email = client.post(
        f"/partners/{organisation.id}/contacts/new", data={"name": "Sam", "email": "not an email"}
    )
    same_email = client.post(
        f"/partners/{organisation.id}/contacts/new", data={"name": "Sam", "email": existing.upper()}
    )

    assert "Choose the sector" in no_sector.get_data(as_text=True)
    assert "There is already an organisation called" in duplicate_name.get_data(as_text=True)
    assert "Enter a valid email address" in bad_email.get_data(as_text=True)
    assert "already has a contact with" in same_email.get_data(as_text=True)
    assert {r.status_code for r in (no_sector, duplicate_name, bad_email, same_email)} == {400}
    assert db.session.query(Organisation).count() == 1
    assert db.session.query(Contact).count() == 1


def test_archiving_hides_an_organisation_but_keeps_it(client, sign_in, school):
    sign_in("officer")
    organisation = factories.create_organisation("Old Partner", sector=school)
    db.session.commit()

    archived = client.post(f"/partners/{organisation.id}/archive")
    assert "is archived" in client.get(archived.headers["Location"]).get_data(as_text=True)

    assert "Old Partner" not in client.get("/partners").get_data(as_text=True)
    assert "Old Partner" in client.get("/partners?archived=y").get_data(as_text=True)


def test_a_contact_who_was_sent_requests_stays_on_record(client, sign_in, school):
    officer = sign_in("officer")
    organisation = factories.create_organisation("Wingfield Academy", sector=school)
    consultation = factories.create_ready_consultation(officer, [organisation])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    contact = organisation.contacts[0]

    response = client.post(f"/contacts/{contact.id}/remove")

    assert response.status_code == 302
    assert db.session.get(Contact, contact.id) is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been sent requests, so stays on record" in page


def test_the_list_filters_searches_and_runs_the_same_queries_for_any_size(
    client, sign_in, school, count_queries
):
    sign_in("scrutiny")
    police = factories.create_sector("police", "Police")
    factories.create_organisation("South Yorkshire Police", sector=police)
    counts = []
    for size in (2, 60):
        while db.session.query(Organisation).count() < size:
            factories.create_organisation(sector=school)
        db.session.commit()
        with count_queries() as queries:
            assert client.get("/partners").status_code == 200
        counts.append(queries.count)

    assert counts[0] == counts[1]
    by_sector = client.get(f"/partners?sector={police.id}").get_data(as_text=True)
    assert "South Yorkshire Police" in by_sector and "1 organisation" in by_sector
    searched = client.get("/partners?q=yorkshire").get_data(as_text=True)
    assert "South Yorkshire Police" in searched
    assert "Next" in client.get("/partners").get_data(as_text=True)


def test_only_an_admin_adds_a_sector(client, sign_in):
    sign_in("admin")

    client.post("/sectors", data={"name": "Housing association"})
    again = client.post("/sectors", data={"name": "housing association"})

    assert db.session.scalar(select(Sector.slug)) == "housing-association"
    assert "There is already a sector called" in again.get_data(as_text=True)
