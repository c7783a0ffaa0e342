"""Picking a draft's recipients: by organisation, by whole sector, or person by person;
and previewing what each of them will be sent."""

import pytest
from sqlalchemy import func, select

from consult.consultations import services as consultations
from consult.correspondence.models import Message
from consult.directory import services as directory
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink, Request
from tests import factories


@pytest.fixture
def officer(sign_in):
    return sign_in("officer")


@pytest.fixture
def draft(officer):
    consultation = factories.create_ready_consultation(officer, [])
    db.session.commit()
    return consultation


def school(name, *emails, sector=None):
    organisation = directory.create_organisation(
        name=name, sector=sector or factories.create_sector()
    )
    for number, email in enumerate(emails):
        directory.add_contact(organisation, name=f"{name} person {number}", email=email)
    return organisation


def counts(consultation):
    db.session.expire_all()
    requests = db.session.scalar(
        select(func.count(Request.id)).where(Request.consultation_id == consultation.id)
    )
    links = db.session.scalar(
        select(func.count(RecipientLink.id))
        .join(Request)
        .where(Request.consultation_id == consultation.id)
    )
    return requests, links


def test_an_organisation_is_added_with_the_people_ticked(client, draft):
    wingfield = school("Wingfield Academy", "head@wingfield.example", "deputy@wingfield.example")
    db.session.commit()
    head, deputy = sorted(wingfield.contacts, key=lambda c: c.email)[::-1]

    chosen = client.post(
        f"/consultations/{draft.id}/recipients/organisation", data={"organisation": wingfield.id}
    )
    form = client.get(chosen.headers["Location"]).get_data(as_text=True)
    added = client.post(chosen.headers["Location"], data={"contacts": [head.id]})

    assert "checked" in form  # everyone with an email is ticked to start with
    assert added.status_code == 302
    assert counts(draft) == (1, 1)

    client.post(chosen.headers["Location"], data={"contacts": [head.id, deputy.id]})
    assert counts(draft) == (1, 2)  # the same request: one per organisation


def test_people_without_email_are_shown_but_never_added(client, draft):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    directory.add_contact(wingfield, name="Office manager")
    db.session.commit()
    nobody = next(c for c in wingfield.contacts if not c.email)

    page = client.get(f"/consultations/{draft.id}/recipients/organisation/{wingfield.id}").get_data(
        as_text=True
    )
    refused = client.post(
        f"/consultations/{draft.id}/recipients/organisation/{wingfield.id}",
        data={"contacts": [nobody.id]},
    )

    assert "Not offered, because they have no email address: Office manager" in page
    assert refused.status_code == 400
    assert counts(draft) == (0, 0)


def test_a_whole_sector_is_added_with_everyone_who_has_an_email(client, draft):
    schools = factories.create_sector("school", "School")
    police = factories.create_sector("police", "Police")
    for number in range(5):
        school(f"School {number:02d}", f"head{number}@school{number}.example", sector=schools)
    school("No email primary", sector=schools)
    archived = school("Closed school", "head@closed.example", sector=schools)
    directory.set_archived(archived, True)
    school("South Yorkshire Police", "district@police.example", sector=police)
    db.session.commit()

    response = client.post(
        f"/consultations/{draft.id}/recipients/sector", data={"sector": schools.id}
    )

    assert response.status_code == 302
    assert counts(draft) == (5, 5)
    page = client.get(f"/consultations/{draft.id}/recipients").get_data(as_text=True)
    assert "5 more organisations and 5 more people added" in page
    assert "nobody with an email address" in page and "No email primary" in page
    table = page[page.index("<table") :]
    assert "Closed school" not in table and "South Yorkshire Police" not in table

    client.post(f"/consultations/{draft.id}/recipients/sector", data={"sector": schools.id})
    assert counts(draft) == (5, 5)  # twice adds nobody twice


def test_a_sector_of_300_takes_no_more_queries_than_a_sector_of_3(client, draft, count_queries):
    small = factories.create_sector("police", "Police")
    large = factories.create_sector("school", "School")
    for number in range(3):
        school(f"Force {number}", f"chief{number}@force{number}.example", sector=small)
    for number in range(300):
        school(f"School {number:03d}", f"head{number}@school{number}.example", sector=large)
    db.session.commit()

    with count_queries() as few:
        client.post(f"/consultations/{draft.id}/recipients/sector", data={"sector": small.id})
    with count_queries() as many:
        client.post(f"/consultations/{draft.id}/recipients/sector", data={"sector": large.id})

    assert counts(draft) == (303, 303)
    assert many.count <= few.count


def test_people_are_found_by_name_or_email_and_added_at_their_organisations(client, draft):
    wingfield = school("Wingfield Academy", "head@wingfield.example", "deputy@wingfield.example")
    wales = school("Wales High School", "head@wales.example")
    db.session.commit()

    found = client.get(f"/consultations/{draft.id}/recipients/people?q=head@").get_data(
        as_text=True
    )
    ids = [c.id for c in (*wingfield.contacts, *wales.contacts) if c.email.startswith("head@")]
    added = client.post(f"/consultations/{draft.id}/recipients/people", data={"contacts": ids})

    assert "2 people found" in found and "deputy@wingfield.example" not in found
    assert added.status_code == 302
    assert counts(draft) == (2, 2)


def test_removing_people_and_organisations_from_a_draft(client, draft):
    wingfield = school("Wingfield Academy", "head@wingfield.example", "deputy@wingfield.example")
    db.session.commit()
    issuing.add_recipients(draft, wingfield.contacts)
    db.session.commit()
    links = db.session.scalars(select(RecipientLink).order_by(RecipientLink.id)).all()

    client.post(f"/links/{links[0].id}/remove")
    assert counts(draft) == (1, 1)
    client.post(f"/links/{links[1].id}/remove")
    assert counts(draft) == (0, 0)  # nobody left: the organisation goes too

    issuing.add_recipients(draft, wingfield.contacts)
    db.session.commit()
    request = db.session.scalar(select(Request))
    client.post(f"/consultations/{draft.id}/recipients/{request.id}/remove")
    assert counts(draft) == (0, 0)


def test_an_archived_organisation_is_never_offered_nor_added(client, draft):
    closed = school("Closed school", "head@closed.example")
    directory.set_archived(closed, True)
    db.session.commit()

    page = client.get(f"/consultations/{draft.id}/recipients").get_data(as_text=True)
    response = client.get(f"/consultations/{draft.id}/recipients/organisation/{closed.id}")
    organisations, people = issuing.add_recipients(draft, closed.contacts)

    assert "Closed school" not in page
    assert response.status_code == 302
    assert (organisations, people) == (0, 0)


def test_after_issue_recipients_are_not_picked_here(client, officer):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    wales = school("Wales High School", "head@wales.example")
    consultation = factories.create_ready_consultation(officer, [wingfield])
    issuing.issue(consultation, by=officer)
    db.session.commit()

    response = client.post(
        f"/consultations/{consultation.id}/recipients/organisation/{wales.id}",
        data={"contacts": [wales.contacts[0].id]},
    )
    request = db.session.scalar(select(Request))
    removed = client.post(f"/consultations/{consultation.id}/recipients/{request.id}/remove")

    assert response.status_code == removed.status_code == 302
    assert counts(consultation) == (1, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "add recipients from its send-out page" in page
    with pytest.raises(issuing.IssuingError):
        issuing.add_recipients(consultation, wales.contacts)


@pytest.mark.parametrize(
    "path",
    [
        "/consultations/{draft}/recipients/organisation/999999",
        "/consultations/999999/recipients",
        "/consultations/{draft}/recipients/999999/remove",
        "/links/999999/remove",
        "/consultations/{draft}/preview?recipient=999999",
    ],
)
def test_unknown_ids_are_404(client, draft, path):
    url = path.format(draft=draft.id)
    method = client.post if url.endswith("remove") else client.get

    assert method(url).status_code == 404


def test_bad_picks_are_explained_not_crashed_on(client, draft):
    for url, data in [
        (f"/consultations/{draft.id}/recipients/organisation", {"organisation": "x"}),
        (f"/consultations/{draft.id}/recipients/sector", {"sector": "999999"}),
        (f"/consultations/{draft.id}/recipients/people", {"contacts": ["x", "-1"]}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 302, url
    assert counts(draft) == (0, 0)


def test_another_consultations_recipient_cannot_be_removed_through_this_one(client, officer):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    first = factories.create_ready_consultation(officer, [wingfield], reference="ONE")
    second = factories.create_ready_consultation(officer, [], reference="TWO")
    db.session.commit()
    request = db.session.scalar(select(Request))

    assert (
        client.post(f"/consultations/{second.id}/recipients/{request.id}/remove").status_code == 404
    )
    assert counts(first) == (1, 1)


def test_the_recipients_page_runs_the_same_queries_for_3_or_30(client, draft, count_queries):
    def add(start, number):
        for index in range(start, start + number):
            issuing.add_recipients(draft, school(f"School {index}", f"h{index}@s.example").contacts)
        db.session.commit()

    add(0, 3)
    with count_queries() as few:
        client.get(f"/consultations/{draft.id}/recipients")
    add(3, 27)
    with count_queries() as many:
        assert "School 29" in client.get(f"/consultations/{draft.id}/recipients").get_data(
            as_text=True
        )

    assert many.count == few.count


def test_scrutiny_sees_the_recipients_but_cannot_pick(client, sign_in):
    officer = factories.create_user("officer")
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    consultation = factories.create_ready_consultation(officer, [wingfield])
    db.session.commit()
    sign_in("scrutiny")

    page = client.get(f"/consultations/{consultation.id}/recipients").get_data(as_text=True)

    assert "Wingfield Academy" in page and "Add every organisation in a sector" not in page
    request = db.session.scalar(select(Request))
    assert (
        client.post(f"/consultations/{consultation.id}/recipients/{request.id}/remove").status_code
        == 403
    )


# --- Preview ---------------------------------------------------------------------------------


def test_the_preview_is_what_issuing_sends_with_the_link_left_out(client, officer):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    wales = school("Wales High School", "head@wales.example")
    consultation = factories.create_ready_consultation(officer, [wingfield, wales])
    db.session.commit()
    link = db.session.scalar(
        select(RecipientLink).where(RecipientLink.contact_id == wales.contacts[0].id)
    )

    page = client.get(f"/consultations/{consultation.id}/preview?recipient={link.id}").get_data(
        as_text=True
    )
    issuing.issue(consultation, by=officer)
    db.session.commit()
    sent = db.session.scalar(select(Message).where(Message.recipient_link_id == link.id))

    assert "Dear Wales High School person 0," in page
    assert sent.subject.replace("'", "&#39;") in page
    assert sent.body_text.replace("'", "&#39;") in page


def test_the_preview_builds_nothing_it_would_send(client, officer):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    consultation = factories.create_ready_consultation(officer, [wingfield])
    db.session.commit()

    client.get(f"/consultations/{consultation.id}/preview")

    from consult.requests.models import LinkToken

    assert db.session.scalar(select(func.count(Message.id))) == 0
    assert db.session.scalar(select(func.count(LinkToken.id))) == 0


def test_a_letter_that_cannot_be_filled_in_is_explained_in_the_preview(client, officer):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    consultation = factories.create_ready_consultation(officer, [wingfield])
    db.session.commit()
    consultation.letter = "{{ contact_name | int(1/0) }}"  # saved around the checks
    db.session.commit()

    response = client.get(f"/consultations/{consultation.id}/preview")

    assert response.status_code == 200
    assert "The letter cannot be filled in" in response.get_data(as_text=True)


def test_a_preview_of_another_consultations_recipient_is_404(client, officer):
    wingfield = school("Wingfield Academy", "head@wingfield.example")
    factories.create_ready_consultation(officer, [wingfield], reference="ONE")
    other = factories.create_ready_consultation(officer, [], reference="TWO")
    db.session.commit()
    link = db.session.scalar(select(RecipientLink))

    assert client.get(f"/consultations/{other.id}/preview?recipient={link.id}").status_code == 404
    consultations.get_consultation_by_reference("ONE")
