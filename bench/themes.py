"""Suggested themes: how far Consult's groupings agree with themes filed by hand, and how
long 500 replies' worth of points and paragraphs takes.

The evaluation set is the demo's replies, split into sentences and labelled here by hand,
and 264 points written for it in the voice of partners answering a council about its
children's services, each filed under the one theme an officer would most likely choose.
Themes share words on purpose (schools come up under safeguarding and early help, money
under workforce), as real replies do. Agreement is the adjusted Rand index and the F1 of
the pairs put together; a passage left out of every suggestion counts as a group of its
own. The baseline is k-means on the same TF-IDF, told the true number of themes.
"""

import random
import re
import time

from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from bench.common import note, report
from consult.consideration.suggestions import suggest_themes
from consult.demo.data import REPLIES

TARGET_SECONDS = 30

THEMES = {
    "Proven partner record": [
        "We would only support the option if the partner chosen has a proven record of "
        "turning round children's services elsewhere.",
        "The peer partner should be a council whose own children's services Ofsted has "
        "judged outstanding.",
        "Please tell partners which authorities are being considered and what their "
        "inspection outcomes have been.",
        "Our support depends on the practice partner having done this before, successfully, "
        "in an authority of similar size and need.",
        "A partner in practice with a track record of sustained improvement would give our "
        "governors confidence.",
        "We would want evidence, not reputation: what did the proposed partner actually "
        "change in the last council it supported?",
        "The choice of partner matters more than the model. A weak partner would set the "
        "service back.",
        "Before the appointment is confirmed, could the board see the shortlisted "
        "authorities' recent inspection reports?",
        "Whoever is appointed must have experience of tackling child sexual exploitation on "
        "the scale Rotherham has faced.",
        "We ask that the selection of the peer authority be open, with clear criteria about "
        "its past results.",
        "A partner rated good or better at its own most recent inspection should be the minimum.",
        "The trust's experience is that improvement partners vary widely: some bring real "
        "expertise, others only a toolkit.",
        "Please make sure the supporting council has capacity to spare and is not stretched "
        "by improvement work of its own.",
        "We would welcome a partner whose leaders have taken a service through intervention "
        "and out the other side.",
        "Credibility with frontline staff will come from a partner that has demonstrably "
        "improved practice, not just procedures.",
        "The department's list of partners in practice is a good starting point, but their "
        "results with other councils should be checked.",
        "Our members would like assurance that the peer partner's approach has worked in a "
        "northern, post-industrial borough like ours.",
        "We support Option 1 on condition that the partner authority can point to lasting "
        "gains in the councils it has advised.",
    ],
    "Continuity for schools": [
        "Headteachers need to know that the people they ring about a child will still be "
        "there after the change.",
        "Schools have only recently built working relationships with the locality teams; "
        "please do not break them up.",
        "Whatever the arrangement, the service to schools should carry on without "
        "interruption through the school year.",
        "Our designated safeguarding leads ask that referral routes from schools stay "
        "exactly as they are.",
        "Any change to named contacts should be planned around the academic calendar, not "
        "announced mid-term.",
        "Pupils with a social worker benefit from a consistent adult; losing staff during a "
        "transition would undo that.",
        "We ask for a guarantee that the education welfare and inclusion services schools "
        "buy in will continue on current terms.",
        "Our academy trust would like the link officer arrangement kept, so that each school "
        "has one person to go to.",
        "Heads were clear at our last cluster meeting: keep what works for schools and "
        "change it slowly.",
        "Children in our classrooms cannot wait while structures are redrawn; support to "
        "schools must carry on.",
        "The primary heads' forum asks to be consulted before any change to the way schools "
        "request support.",
        "Please keep the school-based family workers in post; they are the part of the "
        "service our families see most.",
        "Secondary schools would want the current attendance and exclusions support to "
        "continue unchanged.",
        "Our governors are concerned that special schools could lose the specialist advice "
        "they rely on.",
        "We would ask that head teachers keep their place on the improvement board so the "
        "school voice continues.",
        "Stability of contact for schools is our first condition: the same teams, the same "
        "phone numbers, the same faces.",
        "Teaching staff have invested in the new ways of working with children's social "
        "care, and that investment should be protected.",
        "Schools in the north of the borough rely on their locality team and would notice "
        "any gap straight away.",
    ],
    "Joint safeguarding plan": [
        "A joint safeguarding plan, agreed by the three statutory partners, should be in "
        "place before the new arrangement begins.",
        "We would like the board to sign off a shared plan for protecting children that sets "
        "out each agency's part.",
        "The police would expect to be party to any plan for child protection, with clear "
        "roles at the front door.",
        "The multi-agency safeguarding hub must keep working at full strength during any change.",
        "Please set out how strategy discussions and section 47 enquiries will be handled "
        "jointly through the transition.",
        "Our condition is a written protocol between the council, police and health for "
        "responding to child sexual exploitation.",
        "We would ask the LSCB to oversee a single plan for keeping children safe, reviewed "
        "every quarter.",
        "Thresholds should be written down and agreed by every agency, so that referrals "
        "about children at risk are not bounced between us.",
        "Any new model must keep joint investigation arrangements with the police intact.",
        "The trust would want its named nurses and doctors for safeguarding involved in "
        "drafting the joint plan.",
        "Work on missing children and exploitation depends on agencies acting together; the "
        "plan should say how.",
        "We suggest a joint action plan owned by the safeguarding board, not the council alone.",
        "There should be one agreed escalation route when agencies disagree about a child's "
        "safety.",
        "Information sharing between agencies about children at risk must be covered in the "
        "safeguarding arrangements.",
        "The board would like its learning from serious case reviews built into the shared plan.",
        "A multi-agency audit programme should be part of the joint arrangements, so "
        "partners can test practice together.",
        "We ask that the plan for protecting children be written with partners, not "
        "presented to them for comment.",
        "Domestic abuse notifications from the police need a joint response with children's "
        "social care that survives the change.",
    ],
    "Workforce and caseloads": [
        "Social workers' caseloads must stay at manageable levels; the gains of the last two "
        "years came from that.",
        "We are concerned that uncertainty about the model could lead experienced staff to leave.",
        "Reliance on agency social workers should keep falling; a permanent workforce is the key.",
        "Please make sure newly qualified practitioners keep their protected caseloads and "
        "supervision.",
        "Recruiting and keeping team managers is, in our view, the biggest risk to the service.",
        "Our members see the difference when a family keeps the same worker; turnover is the "
        "enemy of good practice.",
        "The council should publish the number of children each social worker holds, team by team.",
        "Frontline staff need regular, good-quality supervision, whatever the governance "
        "above them.",
        "We ask that the training and development programme for practitioners be kept and "
        "paid for.",
        "Vacancy rates in the assessment teams remain too high and should be a priority for "
        "the partner.",
        "Morale among staff has improved; a change that unsettled them would be a step back.",
        "Please keep the career pathway for senior practitioners, so that experienced "
        "workers stay in practice.",
        "Sickness absence among social care staff should be monitored and reported to partners.",
        "Without enough social workers, no management model will succeed.",
        "The union branch asks that the terms and conditions of employees be protected in "
        "any arrangement.",
        "Manageable workloads for family support workers matter as much as for qualified "
        "social workers.",
        "We would like assurance that the fall in the number of children per worker will be kept.",
        "The social work academy and the links with local universities should go on growing "
        "our own staff.",
    ],
    "Governance and accountability": [
        "It must be clear who is accountable for children's services: the director, the lead "
        "member or the chief executive.",
        "We would want elected members to keep strong scrutiny of performance under any "
        "arrangement.",
        "Please set out how the partner will report, to whom, and how often.",
        "The improvement board should continue, with independent challenge, until the "
        "service is judged good.",
        "Lines of accountability between the council and the peer partner need to be written "
        "down in an agreement.",
        "We ask that partners receive the same performance report that councillors see each "
        "quarter.",
        "Governance should be simple: one board, clear terms of reference, published minutes.",
        "The commissioners' powers, once intervention ends, should be clearly handed back to "
        "the cabinet.",
        "There should be milestones against which the arrangement is reviewed, and an agreed "
        "point at which to revisit the decision.",
        "The select commission should review the arrangement after twelve months and publish "
        "what it finds.",
        "Who decides if the arrangement is not working? That needs to be settled at the start.",
        "We suggest a memorandum of understanding between the council and the partner, "
        "available to every agency.",
        "Partners should have a seat, and a voice, on whatever body oversees the improvement plan.",
        "Risks should be tracked on a register that the board reviews, with owners and dates.",
        "Please make the route by which decisions are taken transparent, so partners know "
        "what is decided where.",
        "Political leadership has been strong; the governance should keep councillors close "
        "to practice.",
        "The audit committee should be able to see progress against the plan, not only the "
        "children's board.",
        "Regular reporting to the Department for Education should be shared with local "
        "partners too.",
    ],
    "Communication with parents": [
        "Families should be told plainly what is changing and what stays the same.",
        "We ask the council to explain the new arrangements to parents in language they "
        "understand.",
        "Children and young people should be asked what they think; the youth cabinet is one "
        "route.",
        "Parents who have had poor experiences of the service in the past will need reassurance.",
        "A short leaflet for families, available in community languages, would help.",
        "Carers and foster families should hear about the change before it is reported in "
        "the press.",
        "Please involve the parent carer forum in how changes are described to families of "
        "disabled children.",
        "Young people in care told us they want to know whether their worker will change.",
        "The voice of the child must run through the new model, not be added at the end.",
        "Communities that distrust the council after the events of recent years need "
        "honest, regular updates.",
        "We suggest drop-in sessions in the localities so that mothers and fathers can ask "
        "questions face to face.",
        "The mums and dads we work with rarely read council websites; information should "
        "come through schools and children's centres too.",
        "Survivors of exploitation should be consulted on how the service is presented to "
        "the public.",
        "A named contact for families with complaints during the transition would build "
        "confidence.",
        "The council's messages to the public should be agreed with partners, so that "
        "families hear one story.",
        "Feedback from parents should be gathered and reported back to partners regularly.",
        "Please make sure information reaches households whose first language is not English.",
        "Advocacy services should be told early, so they can explain the change to the "
        "young people they support.",
    ],
    "Cost and funding": [
        "The peer partner arrangement must come with money for the whole period, not year by year.",
        "We would like to know what the option costs and who pays for it.",
        "Partner agencies cannot be expected to meet new costs from their own budgets.",
        "The council should confirm that the children's services budget will be protected "
        "while improvement continues.",
        "Grant from the Department for Education should be spent on practice, not on "
        "consultancy fees.",
        "Please say whether the voluntary sector grants that support families will be maintained.",
        "Value for money should be tested: the partner's fee against what it delivers.",
        "The trust is concerned about pressure on pooled budgets if the cost of placements "
        "keeps rising.",
        "Savings targets should not be applied to frontline services while they are still "
        "recovering.",
        "We ask for a financial plan covering the next three years, shared with partners.",
        "Spending on agency staff has been high; the plan should show how it will come down.",
        "Any contribution asked of the CCG would need to go through our own governance and "
        "be agreed in advance.",
        "Sustainable funding for early help is essential; short-term money has come and gone "
        "before.",
        "Please be open about the financial risks of each option, including the preferred one.",
        "We are not convinced the medium-term financial strategy allows for the extra demand.",
        "The police and crime commissioner's grants for exploitation work should be aligned "
        "with what the council spends.",
        "Schools are under financial pressure of their own and could not pay more for traded "
        "services.",
        "The affordability of the arrangement after its first two years needs to be shown.",
    ],
    "Transition timetable": [
        "Please publish a timetable for the change, with dates partners can plan around.",
        "The handover from the commissioners to the council should be phased, not happen on "
        "one day.",
        "We would ask for at least three months' notice of any change to how referrals are "
        "received.",
        "Changes should not coincide with the start of the school year or with winter "
        "pressures in the NHS.",
        "A realistic timescale is needed; rushing the move would put the progress made at risk.",
        "What are the key dates between the cabinet's decision and the new arrangement starting?",
        "We suggest a shadow period in which the old and new arrangements run side by side.",
        "The timetable should leave time for consultation with staff before anything changes.",
        "Please tell us when the partner will be appointed and when it will start work.",
        "Milestones for the next eighteen months would help our board plan its own work.",
        "The end of government intervention should be staged, with checkpoints along the way.",
        "We would not want the decision delayed for months; partners need certainty by the summer.",
        "An implementation plan with a clear sequence of steps should come to the next "
        "partnership meeting.",
        "The pace of the move should be set by readiness, not by a date fixed in advance.",
        "Could the council confirm the date from which the partner's support formally begins?",
        "A transition lasting around a year seems sensible to us.",
        "Partners need early sight of the programme so we can line up our own changes with it.",
        "Please avoid changing several things at once: move in stages, one after another.",
    ],
    "Early help": [
        "Early help in the localities should be protected; it keeps families from needing "
        "social care.",
        "We ask that the early help offer be developed further, with more support before "
        "problems escalate.",
        "Children's centres play a key part in reaching families early and should stay open.",
        "The voluntary sector delivers much of the early support, and the new model should "
        "recognise it.",
        "Preventive work with families should not be cut to pay for statutory services.",
        "Early help assessments should be simple enough for schools and health visitors to "
        "complete.",
        "Family support that starts when problems first appear saves distress, and money, later.",
        "Please keep the troubled families programme linked to the early help teams.",
        "Stepping down from social care to early help needs to work smoothly, with no family "
        "left without support.",
        "We would like the early help strategy refreshed with partners and the community sector.",
        "Youth work and parenting programmes are part of prevention and should be treated as such.",
        "The number of families helped before they reach the threshold for social care "
        "should be a key measure for the partner.",
        "Help given at the first sign of trouble should be the priority of the new arrangement.",
        "Health visitors and school nurses are well placed to spot need early and should be "
        "part of the offer.",
        "Community organisations can reach families who would never approach the council for help.",
        "Please protect the locality hubs, where early support sits alongside other services.",
        "Investment in prevention should be stated in the plan, not left to whatever remains "
        "after statutory work.",
        "Families should get support at the lowest level that meets their need, close to home.",
    ],
    "Health partnership": [
        "We would like to explore closer integration of health and children's social care, "
        "as is happening for adults.",
        "The CCG would welcome joint commissioning of services for children with complex needs.",
        "Health assessments for looked-after children should be delivered jointly and on time.",
        "Child and adolescent mental health services must be part of any plan for improvement.",
        "We propose a joint post between the trust and the council to lead integrated "
        "children's services.",
        "Health partners should be involved in designing the new arrangement from the start.",
        "Community paediatrics and social care need shared pathways for children with "
        "disabilities.",
        "The mental health trust would like to co-locate its workers with social care teams.",
        "A health and wellbeing board discussion on children's services would help align "
        "priorities.",
        "Pooled budgets and joint teams with the NHS could follow once the service is stable.",
        "Better links between GPs and social workers would help to identify risk early.",
        "The trust asks that emotional wellbeing support for young people be planned "
        "together with the council.",
        "Our clinicians would welcome shared records, or at least timely access to social "
        "care information.",
        "Integration with the NHS should be on the table as the next step after this option.",
        "Maternity services and health visiting should be linked into the council's work "
        "with vulnerable families.",
        "Joint working on SEND between the CCG and the council should continue and be "
        "strengthened.",
        "The sustainability and transformation plan offers a chance to join up children's "
        "health and care.",
        "We would value regular meetings between the trust's executive team and the director "
        "of children's services.",
    ],
    "Support for the preferred option": [
        "We support the preferred option.",
        "Our organisation agrees that continuing with a peer practice partner is the right course.",
        "Having considered all eight options, we concur with the commission's recommendation.",
        "The board endorses Option 1 and has no objection to the proposal.",
        "We are content with the direction the select commission has proposed.",
        "On balance, the current approach is the best one available to Rotherham.",
        "The police district is happy to back the recommended arrangement.",
        "Option 1 scored highest in the appraisal and we see no reason to differ.",
        "The CCG's governing body has discussed the proposal and is in favour.",
        "We agree with the conclusion of the review.",
        "Yes: we back the commission's choice.",
        "We would like to record our support for keeping the current model.",
        "The trust is pleased to support the option the commission prefers.",
        "None of the alternative models offers more than the one proposed; we support it.",
        "Our consortium members were unanimous in supporting the proposal.",
        "Count us in favour of the preferred option.",
        "The governors support the recommendation put forward in your letter.",
        "We have no reservations and support the way forward set out by the commission.",
    ],
    "Stability and momentum": [
        "Changing the model now would risk undoing the progress of the last two years.",
        "The service needs a period of stability to embed the improvements.",
        "A structural upheaval at this point would distract leaders from practice.",
        "Momentum has been hard won and should not be lost to reorganisation.",
        "Staff and partners are tired of change; what is needed now is consistency.",
        "Moving to a trust or a company would absorb energy that should go into children.",
        "The improvements are real but fragile, and a new structure could unpick them.",
        "We fear another change of direction would unsettle families and professionals alike.",
        "Continuity of leadership is what has made the difference; keep it.",
        "Time to consolidate is worth more now than a new model.",
        "Embedding the culture change will take years, not months; let it happen.",
        "Any alternative model could be considered later, once the gains are secure.",
        "Rotherham has had too many new beginnings; the next step should be a steady one.",
        "Disruption carries its own risk to children, which the appraisal rightly weighed.",
        "Let the new leadership team finish what it has started.",
        "Restructuring would set back relationships that took a long time to build.",
        "A settled period would let the improvements become normal practice.",
        "We would be worried by anything that slowed the current rate of progress.",
    ],
    "Progress so far": [
        "We have seen clear improvement in the service over the last two years.",
        "Referrals are now answered more quickly, and the quality of assessments has risen.",
        "The safeguarding hub has made a noticeable difference to how quickly concerns are "
        "acted on.",
        "Leadership of children's services is stronger and more visible than it was.",
        "Performance information is now shared openly with partners, which was not the case "
        "before.",
        "There is still work to do, but the direction of travel is unmistakably positive.",
        "Our staff report better relationships with social workers than at any time in "
        "recent memory.",
        "Thresholds are clearer, and decisions about children are better explained.",
        "The latest monitoring visit found improvement, which matches our own experience.",
        "The culture of the service has changed for the better: more open, more willing to "
        "be challenged.",
        "Some weaknesses remain, notably in planning for children in care, but they are "
        "understood.",
        "Partners now recognise a service that learns from its mistakes.",
        "Children subject to plans are seen more regularly than they were.",
        "We have noticed a real improvement in the timeliness of strategy meetings.",
        "Compliance with statutory duties is much improved, and the focus is shifting to quality.",
        "The service is unrecognisable from the one criticised in the inquiry.",
        "Case audits show better recording and clearer plans for children.",
        "Progress has been faster than many of us expected.",
    ],
    "Voluntary sector involvement": [
        "The voluntary and community sector should keep its seat on the strategic boards.",
        "Community organisations were involved in the peer challenge and want that to continue.",
        "We ask that the refreshed compact with the voluntary sector be honoured in the new "
        "arrangement.",
        "Charities working with families should be included in commissioning decisions.",
        "The consortium's infrastructure support relies on the council's grant; please keep it.",
        "Faith groups and community associations can help reach families and should be "
        "treated as partners.",
        "Voluntary sector representatives took part in senior recruitment; this good "
        "practice should continue.",
        "Small local charities need fair access to contracts, not only large national providers.",
        "The sector offers constructive challenge and asks to be treated as an equal.",
        "Please involve community organisations in designing services, not only in "
        "delivering them.",
        "Volunteers bring capacity the statutory services cannot; the model should make room "
        "for them.",
        "The sector contributed to the children's plan and the SEND offer and would like to "
        "go on doing so.",
        "A single point of contact in the council for voluntary organisations would help.",
        "Trusted community groups are often the first to hear of a child at risk and should "
        "be linked into referral routes.",
        "We would like the role of the third sector written into the governance of the "
        "improvement plan.",
        "Grassroots youth projects know young people well; their insight should inform the "
        "partner's work.",
        "Third-sector partners need notice of changes so they can plan their own services.",
        "Our member organisations stand ready to help and ask to be kept involved.",
    ],
    "Partnership across agencies": [
        "Partnership working is good in places but not yet consistent at every level.",
        "Trust between agencies has grown at senior level; it now needs to reach frontline teams.",
        "Any future model must show it can keep partners working together, not only the "
        "council's own teams.",
        "We would like more joint training, so that professionals from different agencies "
        "understand each other's roles.",
        "Relationships with social care still depend too much on individuals rather than systems.",
        "The partnership should have shared priorities that every agency signs up to.",
        "Multi-agency meetings are better attended, but on some cases agencies still work in "
        "silos.",
        "Putting teams from different organisations in one building has helped and should "
        "be extended.",
        "Partners must feel able to challenge the council, and the council to challenge partners.",
        "The children and young people's partnership board should be where agencies plan together.",
        "A common language about levels of need, shared across agencies, would make working "
        "together easier.",
        "We ask for regular forums where frontline managers from each organisation can meet.",
    ],
}

# The demo's replies, one theme for each sentence, in order, chosen by hand.
DEMO_THEMES = {
    "Aston Hall Junior and Infant School": [
        "Progress so far",
        "Progress so far",
        "Support for the preferred option",
    ],
    "South Yorkshire Police": ["Support for the preferred option"],
    "NHS Rotherham CCG": ["Support for the preferred option"],
    "Rotherham Local Safeguarding Children Board": [
        "Progress so far",
        "Partnership across agencies",
    ],
    "Wales High School": ["Support for the preferred option", "Stability and momentum"],
    "The Rotherham NHS Foundation Trust": [
        "Support for the preferred option",
        "Health partnership",
    ],
    "Rotherham Doncaster and South Humber NHS Foundation Trust": [
        "Support for the preferred option"
    ],
    "Voluntary Action Rotherham": [
        "Stability and momentum",
        "Voluntary sector involvement",
        "Support for the preferred option",
    ],
}

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(text):
    return [part.strip() for part in SENTENCE_END.split(text) if part.strip()]


def demo_points():
    """The demo's replies as (sentence, theme) pairs."""
    pairs = []
    for reply in REPLIES:
        parts = sentences(reply["comments"])
        themes = DEMO_THEMES[reply["organisation"]]
        if len(parts) != len(themes):
            raise ValueError(
                f"{reply['organisation']}: {len(parts)} sentences, {len(themes)} themes"
            )
        pairs.extend(zip(parts, themes, strict=True))
    return pairs


def synthetic_points():
    return [(text, theme) for theme, texts in THEMES.items() for text in texts]


def evaluation_set():
    """Every passage of the evaluation with the theme filed by hand: the demo's sentences,
    then the synthetic points."""
    return demo_points() + synthetic_points()


def groups(suggestions, count):
    """One group number per passage: its suggestion's, or a group of its own."""
    labels = list(range(len(suggestions), len(suggestions) + count))
    for number, suggestion in enumerate(suggestions):
        for member in suggestion.members:
            labels[member] = number
    return labels


def pairwise_f1(truth, predicted):
    """F1 of "these two passages share a theme": precision over the pairs grouped together,
    recall over the pairs filed together by hand."""
    together = same = both = 0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            is_same = truth[i] == truth[j]
            is_together = predicted[i] == predicted[j]
            same += is_same
            together += is_together
            both += is_same and is_together
    if not both:
        return 0.0
    precision, recall = both / together, both / same
    return 2 * precision * recall / (precision + recall)


def agreement(pairs, **options):
    """ARI, pairwise F1 and the share of passages placed in some suggestion."""
    texts = [text for text, _ in pairs]
    truth = [theme for _, theme in pairs]
    suggestions = suggest_themes(texts, **options)
    predicted = groups(suggestions, len(texts))
    placed = sum(len(suggestion.members) for suggestion in suggestions)
    return (
        adjusted_rand_score(truth, predicted),
        pairwise_f1(truth, predicted),
        placed / len(texts),
    )


def kmeans_baseline(pairs):
    """k-means on word TF-IDF, told the true number of themes: what the method must beat."""
    texts = [text for text, _ in pairs]
    truth = [theme for _, theme in pairs]
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    predicted = KMeans(len(set(truth)), n_init=10, random_state=0).fit_predict(vectors)
    return adjusted_rand_score(truth, predicted), pairwise_f1(truth, predicted)


OPENINGS = (
    "",
    "In our view, ",
    "Speaking for our governors, ",
    "For the trust, ",
    "As a board, ",
    "Having discussed it with colleagues, ",
    "Our members feel that ",
    "On behalf of the district, ",
    "Put simply, ",
    "We would add that ",
)
PLACES = ("Rotherham", "Maltby", "Wath", "Dinnington", "Swinton", "Rawmarsh", "Aston", "Kiveton")
BODIES = ("primary school", "academy", "practice", "surgery", "charity", "youth club", "hub")


def large_case(points=2000, paragraphs=3000, seed=2017):
    """500 replies' worth: points (a sentence each) and unmarked paragraphs (two to four
    sentences), all different, made by recombining the evaluation's sentences."""
    rng = random.Random(seed)
    pool = [text for text, _ in evaluation_set()]
    seen = set()
    texts = []

    def add(text):
        if text not in seen:
            seen.add(text)
            texts.append(text)
            return True
        return False

    while len(texts) < points:
        sentence = rng.choice(pool)
        opening = rng.choice(OPENINGS)
        where = f" ({rng.choice(PLACES)} {rng.choice(BODIES)}, reply {rng.randrange(500)})"
        add(opening + (sentence[0].lower() if opening else sentence[0]) + sentence[1:] + where)
    while len(texts) < points + paragraphs:
        add(" ".join(rng.sample(pool, rng.randint(2, 4))))
    return texts


def anchored(filed=3):
    """With the first ``filed`` points of each synthetic theme already filed by the
    officer: how many of the other passages are suggested for an existing theme, and how
    many of those for the right one."""
    themed = {theme: texts[:filed] for theme, texts in THEMES.items()}
    pairs = demo_points() + [(text, t) for t, texts in THEMES.items() for text in texts[filed:]]
    suggestions = suggest_themes([text for text, _ in pairs], themed=themed)
    proposed = [
        pairs[member][1] == suggestion.existing_theme
        for suggestion in suggestions
        if suggestion.existing_theme
        for member in suggestion.members
    ]
    return len(pairs), len(proposed), sum(proposed)


def run():
    pairs = evaluation_set()
    demo = demo_points()
    ari, f1, placed = agreement(pairs)
    base_ari, base_f1 = kmeans_baseline(pairs)
    note(
        f"{len(pairs)} passages ({len(demo)} sentences of the demo's replies, "
        f"{len(pairs) - len(demo)} synthetic points) under {len(set(t for _, t in pairs))} "
        f"themes filed by hand; {placed:.0%} of them placed in a suggestion"
    )
    report(
        "Agreement with themes filed by hand: adjusted Rand index", ari * 100, base_ari * 100, "%"
    )
    report("Agreement with themes filed by hand: pairwise F1", f1 * 100, base_f1 * 100, "%")
    demo_ari, demo_f1, _ = agreement(demo)
    note(f"the demo's {len(demo)} sentences alone: ARI {demo_ari:.2f}, pairwise F1 {demo_f1:.2f}")
    count, proposed, right = anchored()
    note(
        f"with 3 points of each theme filed: {proposed} of the other {count} passages "
        f"suggested for an existing theme, {right / max(proposed, 1):.0%} of them for the right one"
    )

    texts = large_case()
    ticks = []
    started = time.perf_counter()
    suggestions = suggest_themes(texts, progress=lambda done, total: ticks.append(done))
    seconds = time.perf_counter() - started
    note(
        f"{len(texts):,} passages (2,000 points and 3,000 paragraphs): "
        f"{len(suggestions)} suggestions, progress reported {len(ticks)} times"
    )
    report(
        "Suggesting themes for 500 replies' worth",
        seconds,
        TARGET_SECONDS,
        "s",
        higher_is_better=False,
        target=f"at most {TARGET_SECONDS} s",
    )
