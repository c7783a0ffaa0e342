"""Load the demonstration: the 2017 consultation, a draft to the same partners, demo users.

Everything goes through the services the app itself uses. Loading twice changes nothing:
each piece is looked up first and only made when missing.
"""

from datetime import timedelta

from consult.auth.services import create_user, get_user_by_email
from consult.consideration import services as consideration
from consult.consultations import services as consultations
from consult.dates import LONDON, london_datetime
from consult.db import utcnow
from consult.demo import data
from consult.directory import services as directory
from consult.issuing import services as issuing
from consult.respond import services as respond

DEMO_PASSWORD = "consult-demo-2017"  # noqa: S105 (published on purpose: demo users only)
DEMO_USERS = [
    ("officer@council.example", "Priya Shah", "officer"),
    ("scrutiny@council.example", "Tom Barker", "scrutiny"),
    ("admin@council.example", "Ade Okafor", "admin"),
]
DRAFT_REFERENCE_SUFFIX = "-PRACTICE"


DEMO_RETENTION_DAYS = 12 * 365


def load_demo(echo=print):
    """Add what is missing of the demo and say what was added."""
    added = []
    officer = _load_users(added)
    sectors = {
        slug: directory.ensure_sector(slug, name, position)
        for position, (slug, name) in enumerate(data.SECTORS)
    }
    organisations = _load_organisations(sectors, added)

    reference = data.CONSULTATION["reference"]
    if consultations.get_consultation_by_reference(reference) is None:
        _load_2017_consultation(officer, organisations)
        added.append(f"the consultation {reference} with {len(data.REPLIES)} replies")
    draft_reference = reference + DRAFT_REFERENCE_SUFFIX
    if consultations.get_consultation_by_reference(draft_reference) is None:
        _load_draft(draft_reference, officer, organisations)
        added.append(f"the draft consultation {draft_reference}")

    if not added:
        return "The demo was already loaded: nothing changed."
    return "Demo loaded: " + "; ".join(added) + "."


def _load_users(added):
    officer = None
    for email, name, role in DEMO_USERS:
        user = get_user_by_email(email)
        if user is None:
            user = create_user(email=email, name=name, role=role, password=DEMO_PASSWORD)
            added.append(f"{role} {email}")
        if role == "officer":
            officer = user
    return officer


def _load_organisations(sectors, added):
    organisations = {}
    created = 0
    for entry in data.ORGANISATIONS:
        organisation = directory.get_organisation_by_name(entry["name"])
        if organisation is None:
            organisation = directory.create_organisation(
                name=entry["name"],
                sector=sectors[entry["sector"]],
                address=entry.get("address", ""),
            )
            directory.add_contact(
                organisation,
                name=entry["contact_name"],
                role=entry["contact_role"],
                email=entry["contact_email"],
            )
            created += 1
        organisations[entry["name"]] = organisation
    if created:
        added.append(f"{created} partner organisations with a contact each")
    return organisations


def _add_options_and_appraisal(consultation):
    options = {}
    for entry in data.OPTIONS:
        options[entry["number"]] = consultations.add_option(
            consultation,
            name=entry["name"],
            description=entry["description"],
            is_preferred=entry["is_preferred"],
        )
    criteria = [consultations.add_criterion(consultation, name) for name in data.CRITERIA]
    for number, scores in data.SCORES.items():
        for criterion, value in zip(criteria, scores, strict=True):
            consultations.set_score(options[number], criterion, value)
    return options


def _consultation_fields():
    fields = data.CONSULTATION
    return {
        "summary": fields["summary"],
        "question": fields["question"],
        "letter": fields["letter"],
        "signatory": fields["signatory"],
    }


def _load_2017_consultation(officer, organisations):
    fields = data.CONSULTATION
    consultation = consultations.create_consultation(
        reference=fields["reference"],
        title=fields["title"],
        created_by=officer,
        deadline_at=london_datetime(*fields["deadline"]),
        accepts_late_replies=True,
        # The review's papers are the council's record: kept for twelve years, so the
        # demo's replies are still there to read (the scheduled erasure leaves them be).
        retention_days=DEMO_RETENTION_DAYS,
        **_consultation_fields(),
    )
    _add_options_and_appraisal(consultation)
    requests = {}
    for name, organisation in organisations.items():
        requests[name] = issuing.add_recipient(consultation, organisation, organisation.contacts)
    issuing.record_issued_elsewhere(
        consultation, issued_at=london_datetime(*fields["issued_on"], 9, 0), by=officer
    )
    replies = {}
    for reply in data.REPLIES:
        replies[reply["organisation"]] = respond.record_response(
            requests[reply["organisation"]],
            stance=reply["stance"],
            comments=reply["comments"],
            channel="post" if reply["channel"] == "letter" else reply["channel"],
            received_at=london_datetime(*reply["received"]),
            responder_name=reply["responder_name"],
            responder_role=reply["responder_role"],
            publication="publish",
            entered_by=officer,
        )
    last_reply = max(london_datetime(*reply["received"]) for reply in data.REPLIES)
    consultations.close(consultation, by=officer, at=last_reply + timedelta(days=1))
    _load_consideration(consultation, replies, officer)
    return consultation


def _load_consideration(consultation, replies, officer):
    """The points of the real case's replies and the council's agreed response to each
    theme, so a newcomer sees a finished schedule of responses."""
    themes = {}
    for fields in data.THEMES:
        theme = consideration.theme_named(consultation, fields["name"], by=officer)
        consideration.write_response(
            theme,
            response=fields["response"],
            change_made=fields["change_made"],
            state="agreed",
            by=officer,
        )
        themes[fields["name"]] = theme
    for organisation, quote, kind, names in data.POINTS:
        reply = replies[organisation]
        consideration.mark_point(
            reply,
            quote=quote,
            kind=kind,
            themes=[themes[name] for name in names],
            by=officer,
            texts={"comments": reply.comments},
        )


def _load_draft(reference, officer, organisations):
    """A copy of the 2017 consultation, still a draft, for a newcomer to issue and follow.

    Same partners, options and appraisal; the deadline is 5pm on a Friday about four
    weeks from loading.
    """
    deadline = (utcnow() + timedelta(days=28)).astimezone(LONDON)
    deadline += timedelta(days=(4 - deadline.weekday()) % 7)  # the Friday on or after
    consultation = consultations.create_consultation(
        reference=reference,
        title=data.CONSULTATION["title"] + " (practice copy)",
        created_by=officer,
        deadline_at=london_datetime(deadline.year, deadline.month, deadline.day, 17, 0),
        accepts_late_replies=False,
        **_consultation_fields(),
    )
    _add_options_and_appraisal(consultation)
    for organisation in organisations.values():
        issuing.add_recipient(consultation, organisation, organisation.contacts)
    return consultation
