"""Drafting a consultation through its pages: details, deadline and reminders, options,
the appraisal, the letter and the papers."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Document, Option, Score
from consult.db import utcnow
from consult.extensions import db
from consult.issuing import services as issuing
from tests import factories
from tests.files.samples import EXE_BYTES, docx_bytes, pdf_bytes

NEXT_YEAR = utcnow().year + 1


@pytest.fixture
def officer(sign_in):
    return sign_in("officer")


@pytest.fixture
def draft(officer):
    consultation = consultations.create_consultation(
        reference="ILSC-AMA-2017",
        title="Alternative management arrangements for children's services",
        created_by=officer,
        question="Does your organisation support the preferred option?",
    )
    db.session.commit()
    return consultation


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def details(**overrides):
    return {
        "title": "Alternative management arrangements for children's services",
        "reference": "ILSC-AMA-2017",
        "summary": "The select commission compared eight options.",
        "question": "Does your organisation support the preferred option?",
        "signatory": "Chief Executive",
        **overrides,
    }


def deadline_form(day="7", month="4", year=str(NEXT_YEAR), **overrides):
    return {
        "deadline": [day, month, year],
        "deadline_time": "17:00",
        "accepts_late_replies": "yes",
        "reminders_before": "7, 2",
        "reminders_after": "3",
        "auto_close_days": "",
        "retention_days": "730",
        **overrides,
    }


# --- Details -----------------------------------------------------------------------------------


def test_an_officer_creates_a_draft_and_is_taken_to_its_deadline(client, officer):
    response = client.post("/consultations/new", data=details())

    consultation = db.session.scalar(select(Consultation))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/consultations/{consultation.id}/deadline-and-reminders"
    )
    assert consultation.state == "draft" and consultation.created_by_id == officer.id
    assert consultation.question == "Does your organisation support the preferred option?"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation created"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Enter a title"),
        ("reference", "", "Enter a reference"),
        ("question", "", "Enter the question partners are asked"),
        ("title", "x" * 301, "The title must be 300 characters or fewer"),
    ],
)
def test_missing_or_long_details_are_explained_and_nothing_is_saved(
    client, officer, field, value, message
):
    response = client.post("/consultations/new", data=details(**{field: value}))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Consultation.id))) == 0


def test_a_reference_already_used_is_refused(client, draft):
    response = client.post("/consultations/new", data=details(reference="ILSC-AMA-2017"))

    assert response.status_code == 400
    assert "There is already a consultation with reference ILSC-AMA-2017" in response.get_data(
        as_text=True
    )


def test_a_drafts_details_can_be_changed(client, draft):
    response = client.post(
        f"/consultations/{draft.id}/details", data=details(title="Children's services review")
    )

    assert response.status_code == 302
    assert fresh(Consultation, draft.id).title == "Children's services review"


def test_an_issued_consultations_draft_pages_send_the_officer_back(client, officer):
    organisation = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [organisation])
    issuing.issue(consultation, by=officer)
    db.session.commit()

    for path in ("details", "deadline-and-reminders", "options", "appraisal", "letter"):
        response = client.post(f"/consultations/{consultation.id}/{path}", data=details())
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith(f"/consultations/{consultation.id}")
    option = consultation.options[0]
    assert client.post(f"/options/{option.id}/remove").status_code == 302
    assert fresh(Option, option.id) is not None
    assert fresh(Consultation, consultation.id).title.startswith("Children's services")


# --- Deadline and reminders --------------------------------------------------------------------


def test_the_deadline_is_london_time_and_the_reminder_policy_is_days_from_it(client, draft):
    response = client.post(
        f"/consultations/{draft.id}/deadline-and-reminders",
        data=deadline_form(auto_close_days="14", retention_days="365", accepts_late_replies="no"),
    )

    assert response.status_code == 302
    consultation = fresh(Consultation, draft.id)
    april = datetime(NEXT_YEAR, 4, 7, 16, 0, tzinfo=UTC)  # 5pm British Summer Time
    assert consultation.deadline_at == april
    assert consultation.reminder_offsets_days == [-7, -2, 3]
    assert consultation.auto_close_days == 14
    assert consultation.retention_days == 365
    assert consultation.accepts_late_replies is False
    page = client.get(f"/consultations/{draft.id}").get_data(as_text=True)
    assert f"5pm on {april.strftime('%A')} 7 April {NEXT_YEAR}" in page


def test_the_deadline_form_shows_what_is_saved(client, draft):
    client.post(f"/consultations/{draft.id}/deadline-and-reminders", data=deadline_form())

    page = client.get(f"/consultations/{draft.id}/deadline-and-reminders").get_data(as_text=True)

    assert 'value="7, 2"' in page and 'value="3"' in page
    assert f'value="{NEXT_YEAR}"' in page


def test_no_reminders_at_all_is_a_policy_too(client, draft):
    client.post(
        f"/consultations/{draft.id}/deadline-and-reminders",
        data=deadline_form(reminders_before="", reminders_after=""),
    )

    assert fresh(Consultation, draft.id).reminder_offsets_days == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"year": "2017"}, "The deadline must be in the future"),
        ({"day": "31", "month": "2"}, "Enter a real date"),
        ({"day": ""}, "Enter the deadline&#39;s date"),
        ({"deadline": "7"}, "Enter a real date"),
        ({"reminders_before": "seven"}, "Enter whole numbers of days"),
        ({"reminders_after": "3, 400"}, "Enter whole numbers of days from 1 to 90"),
        ({"auto_close_days": "-1"}, "Enter a number of days from 0 to 365"),
        ({"deadline_time": "03:00"}, "Not a valid choice"),
        ({"retention_days": "9999"}, "Not a valid choice"),
    ],
)
def test_a_bad_deadline_or_policy_is_explained_and_nothing_changes(
    client, draft, overrides, message
):
    response = client.post(
        f"/consultations/{draft.id}/deadline-and-reminders", data=deadline_form(**overrides)
    )

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    consultation = fresh(Consultation, draft.id)
    assert consultation.deadline_at is None
    assert consultation.reminder_offsets_days == [-7, -2, 3]  # the default, untouched


# --- Options -----------------------------------------------------------------------------------


def add_option(client, draft, name, preferred=False):
    data = {"name": name, "description": ""}
    if preferred:
        data["is_preferred"] = "y"
    return client.post(f"/consultations/{draft.id}/options", data=data)


def option_names(draft):
    db.session.expire_all()
    return [option.name for option in fresh(Consultation, draft.id).options]


def test_exactly_one_option_is_preferred_however_they_are_marked(client, draft):
    add_option(client, draft, "Appointment of a peer practice partner", preferred=True)
    add_option(client, draft, "Commission by contract", preferred=True)
    add_option(client, draft, "Wholly owned company")

    options = fresh(Consultation, draft.id).options
    assert [option.is_preferred for option in options] == [False, True, False]

    client.post(f"/options/{options[0].id}/preferred")

    preferred = [o.name for o in fresh(Consultation, draft.id).options if o.is_preferred]
    assert preferred == ["Appointment of a peer practice partner"]


def test_options_are_reordered_edited_and_removed(client, draft):
    for name in ("Peer practice partner", "Commission by contract", "Trust"):
        add_option(client, draft, name)
    options = fresh(Consultation, draft.id).options

    client.post(f"/options/{options[2].id}/move", data={"direction": "up"})
    assert option_names(draft) == ["Peer practice partner", "Trust", "Commission by contract"]
    client.post(f"/options/{options[0].id}/move", data={"direction": "up"})  # already first
    assert option_names(draft) == ["Peer practice partner", "Trust", "Commission by contract"]

    client.post(
        f"/options/{options[0].id}/edit",
        data={"name": "Appointment of a peer practice partner", "description": "Keep it in."},
    )
    client.post(f"/options/{options[1].id}/remove")

    assert option_names(draft) == ["Appointment of a peer practice partner", "Trust"]
    positions = [o.position for o in fresh(Consultation, draft.id).options]
    assert positions == [0, 1]


def test_bad_option_input_is_a_clear_4xx(client, draft):
    add_option(client, draft, "Peer practice partner")
    option = fresh(Consultation, draft.id).options[0]

    assert add_option(client, draft, "").status_code == 400
    moved = client.post(f"/options/{option.id}/move", data={"direction": "sideways"})
    assert moved.status_code == 400
    assert client.post("/options/999999/remove").status_code == 404
    edited = client.post(f"/options/{option.id}/edit", data={"name": " "})
    assert edited.status_code == 400 and "Enter the option" in edited.get_data(as_text=True)


# --- The appraisal -----------------------------------------------------------------------------


@pytest.fixture
def appraised(client, draft):
    """Annex 1's first two options on its first two criteria."""
    add_option(client, draft, "Appointment of a peer practice partner", preferred=True)
    add_option(client, draft, "Commission by contract")
    for name in ("Pace of improvement", "Stability of the workforce"):
        client.post(f"/consultations/{draft.id}/appraisal", data={"name": name})
    return fresh(Consultation, draft.id)


def score_form(consultation, values):
    form = {"scores": "1"}
    cells = [(o, c) for c in consultation.criteria for o in consultation.options]
    for (option, criterion), value in zip(cells, values, strict=True):
        form[f"score-{option.id}-{criterion.id}"] = value
    return form


def test_totals_are_computed_from_the_scores_and_the_options_ranked(client, appraised):
    # rows are criteria, columns options: peer partner 4 and 5, contract 3 and 2
    response = client.post(
        f"/consultations/{appraised.id}/appraisal", data=score_form(appraised, ["4", "3", "5", "2"])
    )

    assert response.status_code == 302
    page = client.get(f"/consultations/{appraised.id}/appraisal").get_data(as_text=True)
    ranking = page[page.index("Options ranked") :]
    assert ranking.index("Appointment of a peer practice partner") < ranking.index(
        "Commission by contract"
    )
    assert ">9<" in ranking and ">5<" in ranking
    assert "Total out of 10" in ranking

    client.post(
        f"/consultations/{appraised.id}/appraisal", data=score_form(appraised, ["0", "5", "1", "5"])
    )
    ranking = client.get(f"/consultations/{appraised.id}/appraisal").get_data(as_text=True)
    ranking = ranking[ranking.index("Options ranked") :]
    assert ranking.index("Commission by contract") < ranking.index("peer practice partner")


def test_a_score_outside_0_to_5_is_refused_and_no_score_is_saved(client, appraised):
    response = client.post(
        f"/consultations/{appraised.id}/appraisal", data=score_form(appraised, ["4", "6", "5", "x"])
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Score Commission by contract on Pace of improvement from 0 to 5" in page
    assert db.session.scalar(select(func.count()).select_from(Score)) == 0


def test_an_empty_cell_clears_a_score_and_removing_a_criterion_removes_its_scores(
    client, appraised
):
    client.post(
        f"/consultations/{appraised.id}/appraisal", data=score_form(appraised, ["4", "3", "5", "2"])
    )
    client.post(
        f"/consultations/{appraised.id}/appraisal", data=score_form(appraised, ["4", "", "5", "2"])
    )
    assert db.session.scalar(select(func.count()).select_from(Score)) == 3

    client.post(f"/criteria/{appraised.criteria[0].id}/remove")

    assert db.session.scalar(select(func.count()).select_from(Score)) == 2
    assert [c.name for c in fresh(Consultation, appraised.id).criteria] == [
        "Stability of the workforce"
    ]
    client.post(f"/options/{appraised.options[1].id}/remove")
    assert db.session.scalar(select(func.count()).select_from(Score)) == 1


def test_criteria_are_renamed_and_reordered(client, appraised):
    second = appraised.criteria[1]
    client.post(f"/criteria/{second.id}/move", data={"direction": "up"})
    client.post(f"/criteria/{second.id}/edit", data={"name": "Workforce"})

    names = [c.name for c in fresh(Consultation, appraised.id).criteria]
    assert names == ["Workforce", "Pace of improvement"]


# --- The letter --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "letter",
    [
        "Dear ((contact_name)),\n\nPlease reply by ((deadline)): ((link))",
        "Dear {{ contact_name }},\n\nPlease reply by {{ deadline }}: {{ link }}",
    ],
)
def test_a_letter_that_renders_is_saved(client, draft, letter):
    response = client.post(f"/consultations/{draft.id}/letter", data={"letter": letter})

    assert response.status_code == 302
    assert fresh(Consultation, draft.id).letter == letter


@pytest.mark.parametrize(
    ("letter", "message"),
    [
        ("Dear {{ head }},", "Line 1 of the letter uses {{ head }}, which is not a merge field"),
        ("Dear\n\n((contact)),", "Line 3 of the letter uses ((contact)), which is not a merge"),
        ("Dear {{ contact_name ,\n", "Line 1 of the letter has a mistake"),
        (
            "{{ contact_name.__class__ }}",
            "{{ contact_name.__class__ }} is not a merge field. A letter can hold only text",
        ),
        ("Dear ((contact_name)),\n{{ 9 ** 99999 }}", "Line 2 of the letter has a mistake"),
        ("Dear ((contact_name)),\n{{ 'ab' * 3000000 }}", "{{ 'ab' * 3000000 }} is not a merge"),
        ("{% for x in range(10**9) %}x{% endfor %}", "{% for x in range(10**9) %} is not"),
        ("", "Write the letter"),
    ],
)
def test_a_letter_with_a_mistake_is_reported_when_saved_and_not_kept(
    client, draft, letter, message
):
    response = client.post(f"/consultations/{draft.id}/letter", data={"letter": letter})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message.replace("{{", "{{") in page.replace("&#39;", "'")
    assert fresh(Consultation, draft.id).letter == ""


def test_a_new_draft_starts_from_a_letter_using_the_merge_fields(client, draft):
    page = client.get(f"/consultations/{draft.id}/letter").get_data(as_text=True)

    assert "Dear ((contact_name))" in page and "((link))" in page
    assert "the recipient&#39;s own link to reply" in page


def test_the_letter_page_lists_each_merge_field_in_double_brackets_in_plain_english(client, draft):
    page = client.get(f"/consultations/{draft.id}/letter").get_data(as_text=True)

    assert "<dt><code>((contact_name))</code></dt>" in page
    assert "<dd>the name of the person the letter goes to</dd>" in page


# --- Papers ------------------------------------------------------------------------------------


def upload(client, draft, data, filename, title=""):
    return client.post(
        f"/consultations/{draft.id}/documents",
        data={"title": title, "upload": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_paper_is_typed_by_its_content_and_downloaded_as_an_attachment(client, draft):
    paper = docx_bytes()
    response = upload(client, draft, paper, "Annex 1 (appraisal).pdf", "Annex 1")

    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert document.title == "Annex 1"
    assert document.stored_file.content_type.endswith("wordprocessingml.document")
    assert document.stored_file.original_filename == "Annex 1 appraisal.docx"
    assert len(document.stored_file.sha256) == 64

    download = client.get(f"/documents/{document.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Annex 1 appraisal.docx" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == paper


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (EXE_BYTES, "report.pdf", "The selected file must be a PDF or Word or Excel file"),
        (b"%PDF-1.7 not really", "report.pdf", "The selected file must be a PDF"),
        (b"", "empty.pdf", "The selected file is empty"),
    ],
)
def test_a_paper_that_is_not_what_it_claims_is_refused(client, draft, data, filename, message):
    response = upload(client, draft, data, filename)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_no_file_chosen_is_explained(client, draft):
    response = client.post(f"/consultations/{draft.id}/documents", data={"title": "Annex"})

    assert response.status_code == 400
    assert "Select a PDF, Word or Excel file" in response.get_data(as_text=True)


def test_a_paper_is_removed_from_a_draft(client, draft):
    upload(client, draft, pdf_bytes(), "map.pdf")
    document = db.session.scalar(select(Document))

    client.post(f"/documents/{document.id}/remove")

    assert db.session.scalar(select(func.count(Document.id))) == 0


# --- The draft's page and readiness ------------------------------------------------------------


def test_the_drafts_page_lists_each_part_and_what_stops_it_being_issued(client, draft):
    page = client.get(f"/consultations/{draft.id}").get_data(as_text=True)

    for part in ("Deadline and reminders", "Options", "The letter", "Recipients"):
        assert part in page
    assert "Cannot start yet" in page
    assert "Choose the preferred option" in page
    assert "Set a deadline in the future" in page


def test_a_ready_draft_links_to_issue_and_every_problem_links_to_its_fix(client, officer):
    organisation = factories.create_organisation("Wingfield Academy")
    ready = factories.create_ready_consultation(officer, [organisation])
    empty = consultations.create_consultation(reference="EMPTY", title="Empty", created_by=officer)
    db.session.commit()

    assert f"/consultations/{ready.id}/issue" in client.get(f"/consultations/{ready.id}").get_data(
        as_text=True
    )
    page = client.get(f"/consultations/{empty.id}/issue").get_data(as_text=True)
    for path in ("details", "deadline-and-reminders", "options", "letter", "recipients"):
        assert f'href="/consultations/{empty.id}/{path}"' in page, path


def test_scrutiny_sees_a_draft_but_no_way_to_change_it(client, sign_in):
    officer = factories.create_user("officer")
    draft = consultations.create_consultation(reference="R", title="T", created_by=officer)
    db.session.commit()
    sign_in("scrutiny")

    page = client.get(f"/consultations/{draft.id}").get_data(as_text=True)

    assert "Deadline and reminders" in page
    assert f"/consultations/{draft.id}/details" not in page
    assert "Copy into a new draft" not in page
    assert client.post(f"/consultations/{draft.id}/details", data=details()).status_code == 403


# --- Copying -----------------------------------------------------------------------------------


def test_copying_starts_a_new_draft_with_everything_but_the_replies(client, officer):
    organisations = [factories.create_organisation(name) for name in ("Wingfield", "Wales High")]
    source = factories.create_ready_consultation(officer, organisations)
    criterion = consultations.add_criterion(source, "Pace of improvement")
    consultations.set_score(source.options[0], criterion, 4)
    issuing.issue(source, by=officer)
    db.session.commit()
    issuing.withdraw(source_request := source_requests(source)[1], by=officer)
    db.session.commit()

    response = client.post(f"/consultations/{source.id}/copy")

    copy = db.session.scalar(select(Consultation).where(Consultation.id != source.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/{copy.id}/details")
    assert copy.state == "draft" and copy.deadline_at is None
    assert copy.reference == "CYPS-2017-COPY" and copy.title.startswith("Copy of ")
    assert copy.letter == source.letter and copy.question == source.question
    assert [(o.name, o.is_preferred) for o in copy.options] == [
        (o.name, o.is_preferred) for o in source.options
    ]
    assert [s.value for s in copy.options[0].scores] == [4]
    copied = source_requests(copy)
    assert [r.organisation_id for r in copied] == [organisations[0].id]  # not the withdrawn
    assert source_request.organisation_id == organisations[1].id
    assert all(r.status == "draft" for r in copied)

    client.post(f"/consultations/{source.id}/copy")
    references = db.session.scalars(select(Consultation.reference)).all()
    assert "CYPS-2017-COPY-2" in references


def source_requests(consultation):
    from consult.requests.models import Request

    return db.session.scalars(
        select(Request).where(Request.consultation_id == consultation.id).order_by(Request.id)
    ).all()


def test_the_consultation_list_runs_the_same_queries_for_3_or_30(client, officer, count_queries):
    def make(number):
        for index in range(number):
            consultations.create_consultation(
                reference=f"REF-{number}-{index}", title=f"Consultation {index}", created_by=officer
            )
        db.session.commit()

    make(3)
    with count_queries() as few:
        client.get("/consultations")
    make(27)
    with count_queries() as many:
        assert "Consultation 26" in client.get("/consultations").get_data(as_text=True)

    assert many.count == few.count


def test_the_deadline_shown_is_five_pm_on_a_friday(client, draft):
    """The 2017 deadline, the UK way."""
    consultations.update_details(
        draft, by=None, deadline_at=datetime(2017, 4, 7, 16, tzinfo=UTC) + timedelta(0)
    )
    db.session.commit()

    assert "5pm on Friday 7 April 2017" in client.get(f"/consultations/{draft.id}").get_data(
        as_text=True
    )


def test_scrutiny_reads_a_draft_as_it_stands_and_can_change_none_of_it(app, client, sign_in):
    officer = factories.create_user("officer", email="drafter@council.example")
    draft = factories.create_ready_consultation(officer, [factories.create_organisation()])
    db.session.commit()
    sign_in("scrutiny")

    page = client.get(f"/consultations/{draft.id}").get_data(as_text=True)

    assert "The draft as it stands" in page
    assert "Do you support the preferred option?" in page
    assert "Appointment of a peer practice partner" in page and "Preferred" in page
    assert "Please reply by" in page  # the letter
    assert client.post(f"/consultations/{draft.id}/details").status_code == 403
