"""Facts of Rotherham's 2017 consultation on children's services, for the demo.

From the April 2017 scrutiny review of alternative management arrangements for children's
services: Annex 1 (the options appraisal, eight options scored out of 5 on eight criteria)
and Annex 4 (the partners' replies to the chief executive's letter of 23 March 2017).
Names of organisations, dates, channels, scores and stances are the papers'; every
sentence here is our own summary. People's names are invented, and every address uses an
.example domain.
"""

SECTORS = [
    ("school", "School"),
    ("police", "Police"),
    ("nhs-trust", "NHS trust"),
    ("ccg", "Clinical commissioning group"),
    ("lscb", "Safeguarding board"),
    ("voluntary", "Voluntary sector"),
    ("council", "Council"),
    ("other", "Other"),
]

CONSULTATION = {
    "reference": "ILSC-AMA-2017",
    "title": "Alternative management arrangements for children's services",
    "summary": (
        "The Improving Lives Select Commission has reviewed how children's services in "
        "Rotherham should be run once government intervention ends. It appraised eight "
        "options against eight criteria and prefers continuing with a peer practice "
        "partner. Before it reports, the council wants to know what its partners think."
    ),
    "question": (
        "Does your organisation support the preferred option: continuing to improve "
        "children's services with a peer practice partner?"
    ),
    "letter": (
        "Dear ((contact_name)),\n\n"
        "The council's Improving Lives Select Commission is finishing its review of the "
        "future management arrangements for children's services in Rotherham. It compared "
        "eight ways of running the service, and its preferred option is "
        "((preferred_option)).\n\n"
        "As one of our partners, ((organisation)) has seen the service's improvement at "
        "first hand, and the commission would value your view before it reports. Please "
        "tell us whether you support the preferred option, and anything you would want "
        "the commission to weigh, by ((deadline)).\n\n"
        "You can read the options appraisal and reply here:\n((link))\n\n"
        "Thank you for your continued support.\n\n"
        "((signatory))"
    ),
    "signatory": "Chief Executive, Rotherham Metropolitan Borough Council",
    "issued_on": (2017, 3, 23),
    # The letter's own deadline is not in the papers. Friday 7 April 2017 at 5pm fits them:
    # most replies came before it, RDaSH apologised on 18 April for replying late, and
    # VAR replied on 27 April after an officer's chaser.
    "deadline": (2017, 4, 7, 17, 0),
}

OPTIONS = [
    {
        "number": 1,
        "name": "Appointment of a peer practice partner",
        "description": (
            "Keep children's services in the council and formally appoint one of the "
            "Department for Education's partners in practice to support and challenge "
            "its improvement."
        ),
        "is_preferred": True,
    },
    {
        "number": 2,
        "name": "Commission by contract",
        "description": "Buy more of the service, including work now done in-house, from "
        "external providers under contract.",
        "is_preferred": False,
    },
    {
        "number": 3,
        "name": "Wholly owned company (a trust)",
        "description": "Move children's services into a company owned by the council.",
        "is_preferred": False,
    },
    {
        "number": 4,
        "name": "Community interest company",
        "description": "As a wholly owned company, registered as a community interest "
        "company that reports its benefit to the community each year.",
        "is_preferred": False,
    },
    {
        "number": 5,
        "name": "Employee-owned mutual",
        "description": "Staff take over the running of the service as a mutual.",
        "is_preferred": False,
    },
    {
        "number": 6,
        "name": "Managing agent",
        "description": "An outside organisation manages the service on the council's behalf.",
        "is_preferred": False,
    },
    {
        "number": 7,
        "name": "Joint venture",
        "description": "The council runs the service jointly with a partner in a new "
        "shared vehicle.",
        "is_preferred": False,
    },
    {
        "number": 8,
        "name": "Shared service",
        "description": "Share the service with another local authority under an agreement.",
        "is_preferred": False,
    },
]

CRITERIA = [
    "Child focused",
    "Partnerships",
    "Commissioning",
    "Political oversight and governance arrangements",
    "Financial viability and sustainability",
    "Workforce",
    "Integration",
    "Risk",
]

# Option number -> its score on each criterion, in CRITERIA order, as Annex 1 gives them.
# Annex 1 prints a total of 24 for option 8, but its eight scores add up to 26; Consult
# computes totals, so the demo shows 26.
SCORES = {
    1: [4, 5, 4, 4, 3, 4, 5, 4],  # 33
    2: [4, 2, 3, 3, 3, 2, 2, 3],  # 22
    3: [4, 2, 4, 3, 2, 5, 2, 3],  # 25
    4: [5, 2, 4, 3, 2, 5, 2, 3],  # 26
    5: [4, 2, 1, 1, 1, 3, 2, 2],  # 16
    6: [3, 2, 2, 2, 3, 2, 2, 2],  # 18
    7: [3, 2, 2, 1, 2, 2, 1, 2],  # 15
    8: [4, 3, 3, 3, 3, 3, 3, 4],  # 26 (Annex 1 says 24)
}

ORGANISATIONS = [
    {
        "name": "Aston Hall Junior and Infant School",
        "sector": "school",
        "address": "Church Lane, Aston, Sheffield",
        "contact_name": "Morgan Ellis",
        "contact_role": "Executive Headteacher",
        "contact_email": "head@aston-hall.example",
        "replied": True,
    },
    {
        "name": "Wales High School",
        "sector": "school",
        "address": "Storth Lane, Kiveton Park, Sheffield",
        "contact_name": "Jordan Price",
        "contact_role": "Headteacher",
        "contact_email": "head@wales-high.example",
        "replied": True,
    },
    {
        "name": "South Yorkshire Police",
        "sector": "police",
        "address": "Rotherham",
        "contact_name": "Chris Walker",
        "contact_role": "Chief Superintendent, Rotherham District",
        "contact_email": "rotherham.district@syp.example",
        "replied": True,
    },
    {
        "name": "Voluntary Action Rotherham",
        "sector": "voluntary",
        "address": "The Spectrum, Coke Hill, Rotherham",
        "contact_name": "Sam Hughes",
        "contact_role": "Chief Executive",
        "contact_email": "chief.executive@var.example",
        "replied": True,
    },
    {
        "name": "The Rotherham NHS Foundation Trust",
        "sector": "nhs-trust",
        "address": "Rotherham Hospital, Moorgate Road, Rotherham",
        "contact_name": "Alex Turner",
        "contact_role": "Chief Executive",
        "contact_email": "chief.executive@trft.example",
        "replied": True,
    },
    {
        "name": "NHS Rotherham CCG",
        "sector": "ccg",
        "address": "Oak House, Moorhead Way, Bramley, Rotherham",
        "contact_name": "Robin Shaw",
        "contact_role": "Chief Officer",
        "contact_email": "chief.officer@rotherham-ccg.example",
        "replied": True,
    },
    {
        "name": "Rotherham Doncaster and South Humber NHS Foundation Trust",
        "sector": "nhs-trust",
        "address": "Woodfield House, Tickhill Road, Balby, Doncaster",
        "contact_name": "Kim Fletcher",
        "contact_role": "Chief Executive",
        "contact_email": "chief.executive@rdash.example",
        "replied": True,
    },
    {
        "name": "Rotherham Local Safeguarding Children Board",
        "sector": "lscb",
        "address": "Riverside House, Main Street, Rotherham",
        "contact_name": "Pat Goodwin",
        "contact_role": "Independent Chair",
        "contact_email": "independent.chair@rlscb.example",
        "replied": True,
    },
    # Partners written to who sent nothing the papers record: outstanding in the demo.
    {
        "name": "South Yorkshire Fire and Rescue",
        "sector": "other",
        "address": "Rotherham",
        "contact_name": "Dee Marsh",
        "contact_role": "District Manager",
        "contact_email": "rotherham@syfr.example",
        "replied": False,
    },
    {
        "name": "Thomas Rotherham College",
        "sector": "school",
        "address": "Moorgate Road, Rotherham",
        "contact_name": "Lee Osborne",
        "contact_role": "Principal",
        "contact_email": "principal@thomas-rotherham.example",
        "replied": False,
    },
]

# In the order received. "letter" came as a signed letter; "email" as an email reply.
REPLIES = [
    {
        "organisation": "Aston Hall Junior and Infant School",
        "received": (2017, 3, 27, 11, 0),
        "channel": "letter",
        "stance": "supports",
        "addressed_to": "scrutiny chair",
        "after_chaser": False,
        "responder_name": "Morgan Ellis",
        "responder_role": "Executive Headteacher",
        "comments": (
            "From fifteen years as a headteacher and a seat on the improvement board, the "
            "school sees a very different service from two years ago: more staff, quicker "
            "responses to referrals, a safeguarding hub and early help in the localities. "
            "Some weaknesses remain, but partners know them and have plans. The school "
            "supports keeping the peer practice partner; changing the model now could undo "
            "what has been achieved."
        ),
        "late": False,
    },
    {
        "organisation": "South Yorkshire Police",
        "received": (2017, 3, 28, 13, 15),
        "channel": "email",
        "stance": "supports",
        "addressed_to": "chief executive",
        "after_chaser": False,
        "responder_name": "Chris Walker",
        "responder_role": "Chief Superintendent, Rotherham District",
        "comments": (
            "Having talked it over, the district agrees that the current arrangements are "
            "the best way forward."
        ),
        "late": False,
    },
    {
        "organisation": "NHS Rotherham CCG",
        "received": (2017, 3, 30, 10, 0),
        "channel": "letter",
        "stance": "supports",
        "addressed_to": "chief executive",
        "after_chaser": False,
        "responder_name": "Robin Shaw",
        "responder_role": "Chief Officer",
        "comments": (
            "The CCG supports continuing with the peer practice partner and looks forward "
            "to working closely with the council to improve services further."
        ),
        "late": False,
    },
    {
        "organisation": "Rotherham Local Safeguarding Children Board",
        "received": (2017, 4, 3, 15, 0),
        "channel": "letter",
        "stance": "supports_with_reservations",
        "addressed_to": "scrutiny chair",
        "after_chaser": False,
        "responder_name": "Pat Goodwin",
        "responder_role": "Independent Chair",
        "comments": (
            "Leadership, performance scrutiny and culture have improved quickly, and the "
            "service is moving from compliance to quality; nothing should distract it now, "
            "so the board supports keeping the peer practice partner at present. But "
            "partnership working is not yet consistent at every level, and any future "
            "model would have to show it could sustain partnership across agencies, "
            "especially with schools."
        ),
        "late": False,
    },
    {
        "organisation": "Wales High School",
        "received": (2017, 4, 3, 17, 42),
        "channel": "email",
        "stance": "supports",
        "addressed_to": "chief executive",
        "after_chaser": False,
        "responder_name": "Jordan Price",
        "responder_role": "Headteacher",
        "comments": (
            "Peer review and challenge from councils with outstanding practice are "
            "starting to show real results, and the school wants them to continue. It "
            "would be seriously concerned if a change of direction now lost that momentum, "
            "and believes young people and families are best served by a local model "
            "within the council."
        ),
        "late": False,
    },
    {
        "organisation": "The Rotherham NHS Foundation Trust",
        "received": (2017, 4, 6, 12, 0),
        "channel": "letter",
        "stance": "supports",
        "addressed_to": "chief executive",
        "after_chaser": False,
        "responder_name": "Alex Turner",
        "responder_role": "Chief Executive",
        "comments": (
            "The trust supports the preferred option: the council has made real progress "
            "and changing the model now would add risk. It welcomes the review leaving "
            "other approaches open for the future and would like to explore closer "
            "integration between the two organisations, as is happening for adult "
            "services."
        ),
        "late": False,
    },
    {
        "organisation": "Rotherham Doncaster and South Humber NHS Foundation Trust",
        "received": (2017, 4, 18, 10, 0),
        "channel": "letter",
        "stance": "supports",
        "addressed_to": "chief executive",
        "after_chaser": False,
        "responder_name": "Kim Fletcher",
        "responder_role": "Chief Executive",
        "comments": (
            "With apologies for replying late, the trust agrees that continuing the "
            "current model is the most sensible option."
        ),
        "late": True,
    },
    {
        "organisation": "Voluntary Action Rotherham",
        "received": (2017, 4, 27, 12, 11),
        "channel": "email",
        "stance": "supports",
        "addressed_to": "chief executive",
        "after_chaser": True,
        "responder_name": "Sam Hughes",
        "responder_role": "Chief Executive",
        "comments": (
            "Replying for the children, young people and families consortium of voluntary "
            "organisations: with new leadership in place, children's services need a "
            "period of stability and time to embed change. The sector has been closely "
            "involved, from peer challenge meetings and strategic boards to senior "
            "appointments. It cannot judge the alternative models, but agrees with the "
            "preferred option as the quickest and most lasting route to improvement."
        ),
        "late": True,
    },
]

# The council's consideration of the replies, in our own words: each theme with the
# council's response and the change it made, then the points quoted from the replies
# above (every quote is words of that reply's comments).
THEMES = [
    {
        "name": "Keep the peer practice partner",
        "response": (
            "The council will keep the peer practice partner for a further two years, with "
            "a review of its impact reported to the improvement board every six months."
        ),
        "change_made": "The partnership agreement is extended to March 2019.",
    },
    {
        "name": "Stability and momentum",
        "response": (
            "The council agrees that a change of model now would put recent progress at "
            "risk. No structural change will be proposed during the extension."
        ),
        "change_made": "None: the preferred option already keeps the current model.",
    },
    {
        "name": "Partnership working, especially with schools",
        "response": (
            "Schools will have a standing place on the improvement board, and the "
            "safeguarding board's multi-agency audit will report on partnership at every "
            "level."
        ),
        "change_made": "Two headteachers join the improvement board from September 2017.",
    },
    {
        "name": "Closer integration with health",
        "response": (
            "The council will explore joint commissioning with the NHS trusts, starting "
            "with early help, as it has done for adult services."
        ),
        "change_made": "A joint working group with the trusts meets from June 2017.",
    },
]

POINTS = [
    (
        "Aston Hall Junior and Infant School",
        "The school supports keeping the peer practice partner; changing the model now could "
        "undo what has been achieved.",
        "support",
        ["Keep the peer practice partner", "Stability and momentum"],
    ),
    (
        "NHS Rotherham CCG",
        "looks forward to working closely with the council to improve services further",
        "suggestion",
        ["Closer integration with health"],
    ),
    (
        "Rotherham Local Safeguarding Children Board",
        "any future model would have to show it could sustain partnership across agencies, "
        "especially with schools",
        "condition",
        ["Partnership working, especially with schools"],
    ),
    (
        "Rotherham Local Safeguarding Children Board",
        "partnership working is not yet consistent at every level",
        "reservation",
        ["Partnership working, especially with schools"],
    ),
    (
        "Wales High School",
        "It would be seriously concerned if a change of direction now lost that momentum",
        "concern",
        ["Stability and momentum"],
    ),
    (
        "Wales High School",
        "Peer review and challenge from councils with outstanding practice are starting to "
        "show real results, and the school wants them to continue.",
        "support",
        ["Keep the peer practice partner"],
    ),
    (
        "The Rotherham NHS Foundation Trust",
        "would like to explore closer integration between the two organisations, as is "
        "happening for adult services",
        "suggestion",
        ["Closer integration with health"],
    ),
    (
        "Voluntary Action Rotherham",
        "children's services need a period of stability and time to embed change",
        "condition",
        ["Stability and momentum"],
    ),
]
