"""Content of the demo network: one interview show about mentoring, sponsorship and leadership.

Pure data. Every person and organisation here is fictional; every link points at example.com
or example.org. ``days_ago`` is the publication date in days before "now" (negative means the
future); the draft episode ignores it.
"""

from __future__ import annotations

from typing import TypedDict


class GuestData(TypedDict):
    name: str
    organisation: str
    job_title: str
    bio: str
    links: list[str]


class TopicData(TypedDict):
    name: str
    description: str


class CreditData(TypedDict):
    guest: str
    role: str
    organisation: str
    job_title: str


class EpisodeData(TypedDict):
    slug: str
    title: str
    summary: str
    notes_md: str
    season: int
    number: int
    episode_type: str
    days_ago: int
    credits: list[CreditData]
    topics: list[str]


SHOW: dict[str, str] = {
    "slug": "mentors-and-sponsors",
    "title": "Mentors & Sponsors",
    "subtitle": "Who helped, who vouched, and what they'd do differently",
    "description": (
        "Long conversations with leaders about the people who shaped their careers: the mentors "
        "who gave them advice and the sponsors who put their own reputation on the line. "
        "Guests come from hospitals, factories, law firms, schools and start-ups. "
        "Each episode ends with something you can try with your own mentors, mentees and teams."
    ),
    "author": "Nadia Brennan",
    "owner_name": "Nadia Brennan",
    "owner_email": "nadia@example.com",
    "language": "en",
    "category": "Business",
    "subcategory": "Management",
    "copyright": "Copyright Nadia Brennan. All rights reserved.",
    "website": "https://example.com/mentors",
    "funding_url": "https://example.com/support",
    "funding_text": "Support the show",
}


GUESTS: list[GuestData] = [
    {
        "name": "Amara Okafor",
        "organisation": "Northwind Logistics",
        "job_title": "VP of Engineering",
        "bio": (
            "Amara Okafor leads a 120-person engineering organisation at Northwind Logistics, "
            "where her teams build the routing and dispatch software behind same-day deliveries. "
            "She started as a support engineer in Lagos and moved into management after running "
            "a famously calm incident response. She mentors first-time managers through a "
            "regional women-in-tech network."
        ),
        "links": ["https://example.com/people/amara-okafor"],
    },
    {
        "name": "Mateo Ruiz",
        "organisation": "Brightwater Health",
        "job_title": "Chief People Officer",
        "bio": (
            "Mateo Ruiz has spent twenty years in HR, most of them in healthcare. At Brightwater "
            "Health he introduced published promotion criteria and a reverse mentoring scheme for "
            "the executive team. He grew up in Seville and still coaches his daughter's under-12 "
            "football team."
        ),
        "links": [
            "https://example.com/people/mateo-ruiz",
            "https://example.org/talks/reverse-mentoring-at-the-top",
        ],
    },
    {
        "name": "Mei-Lin Chen",
        "organisation": "Castell & Rowe",
        "job_title": "Partner",
        "bio": (
            "Mei-Lin Chen is a partner in the commercial disputes group at Castell & Rowe, which "
            "she joined as a trainee. She chairs the firm's sponsorship committee and writes "
            "occasionally about how professional firms decide who gets promoted."
        ),
        "links": ["https://example.com/castell-rowe/people/mei-lin-chen"],
    },
    {
        "name": "Rajesh Iyer",
        "organisation": "Loomwork",
        "job_title": "Founder and CEO",
        "bio": (
            "Rajesh Iyer is the founder of Loomwork, a booking platform for independent clinics "
            "and studios. His first start-up, a textile marketplace, closed after three years, "
            "and he credits two mentors with talking him out of a doomed final funding round. "
            "He hosts an informal breakfast for first-time founders every other month."
        ),
        "links": ["https://example.com/loomwork/about", "https://example.org/rajesh-iyer"],
    },
    {
        "name": "Ingrid Solberg",
        "organisation": "Fjordline Software",
        "job_title": "Head of Product",
        "bio": (
            "Ingrid Solberg leads product at Fjordline Software, which makes planning tools for "
            "ferry and port operators. Before that she spent six years at Tidewater Labs as a "
            "product manager. She lives in Bergen and sits on the board of a coding club for "
            "teenagers."
        ),
        "links": ["https://example.com/people/ingrid-solberg"],
    },
    {
        "name": "Darnell Brooks",
        "organisation": "Riverside Academy",
        "job_title": "Headteacher",
        "bio": (
            "Darnell Brooks has been headteacher of Riverside Academy, a secondary school of "
            "1,100 pupils, for six years. He taught history for a decade before moving into "
            "leadership and still teaches one Year 9 class a week. He runs a mentoring network "
            "for newly qualified teachers across the county."
        ),
        "links": ["https://example.com/riverside/headteacher"],
    },
    {
        "name": "Zoë Marchetti",
        "organisation": "Marchetti Coaching",
        "job_title": "Executive Coach",
        "bio": (
            "Zoë Marchetti coaches senior leaders in technology and retail, after a first career "
            "running sales teams in Milan and London. She trains volunteer mentors for two "
            "charities and is known for refusing to give advice in a first session."
        ),
        "links": [
            "https://example.com/marchetti",
            "https://example.org/zoe-marchetti/writing",
        ],
    },
    {
        "name": "Kenji Watanabe",
        "organisation": "Sakura Precision Components",
        "job_title": "Plant Manager",
        "bio": (
            "Kenji Watanabe runs the Derby plant of Sakura Precision Components, which machines "
            "parts for rail and aerospace customers. He joined the company as a quality engineer "
            "in Nagoya and moved to the UK in 2012. He is an enthusiastic and, by his own "
            "account, mediocre amateur cellist."
        ),
        "links": ["https://example.com/sakura/leadership"],
    },
    {
        "name": "Fatima Al-Sayed",
        "organisation": "St Brendan's Hospital",
        "job_title": "Chief Nursing Officer",
        "bio": (
            "Fatima Al-Sayed is Chief Nursing Officer at St Brendan's Hospital, responsible for "
            "more than 1,800 nurses and midwives. She started as a healthcare assistant while "
            "studying and trained as an intensive care nurse. She leads the hospital's programme "
            "for nurses moving into their first management roles."
        ),
        "links": ["https://example.com/st-brendans/fatima-al-sayed"],
    },
]


TOPICS: list[TopicData] = [
    {
        "name": "Mentors vs sponsors",
        "description": (
            "A mentor gives you advice; a sponsor spends their reputation on you. Why the "
            "difference matters, and why most people have plenty of the first and none of the "
            "second."
        ),
    },
    {
        "name": "Giving and taking advice",
        "description": (
            "How to ask questions a mentor can actually answer, how to offer advice without "
            "taking over, and what to do with advice you disagree with."
        ),
    },
    {
        "name": "Closing the loop",
        "description": (
            "Going back to the people who helped you and telling them what happened next, "
            "good news or bad."
        ),
    },
    {
        "name": "Generational change at work",
        "description": (
            "What different generations expect from work and from their leaders, and how "
            "mentoring changes when there are forty years between two colleagues."
        ),
    },
    {
        "name": "Reverse mentoring",
        "description": (
            "Senior leaders paired with junior colleagues who mentor them, and what both sides "
            "take away from it."
        ),
    },
    {
        "name": "Finding a sponsor",
        "description": (
            "How people earned someone's backing when it counted, and what made them easy to "
            "champion."
        ),
    },
    {
        "name": "Feedback that lands",
        "description": (
            "Feedback people can hear, use and remember, including feedback that has to travel "
            "up the hierarchy."
        ),
    },
]


EPISODES: list[EpisodeData] = [
    {
        "slug": "why-this-show-exists",
        "title": "Why this show exists",
        "summary": (
            "A short introduction: who I am, who you'll hear from, and why the difference "
            "between a mentor and a sponsor matters."
        ),
        "notes_md": """\
I've had brilliant mentors and, for years, no sponsor at all. It took me a decade to notice
the difference. This show is a series of long conversations with people who have been on both
sides: the ones who gave the advice & the ones who put their name on the line.

Every fortnight a guest talks about the person who "opened the door" for them, and what they
now do for others.

Subscribe wherever you listen, and if someone comes to mind while you're listening, tell them.""",
        "season": 1,
        "number": 1,
        "episode_type": "trailer",
        "days_ago": 400,
        "credits": [],
        "topics": ["Mentors vs sponsors", "Giving and taking advice"],
    },
    {
        "slug": "the-person-who-says-your-name",
        "title": "The person who says your name in the room",
        "summary": (
            "Mei-Lin Chen on the partner who taught her the law and the one who made her a "
            "partner, and why they were not the same person."
        ),
        "notes_md": """\
Mei-Lin Chen made partner at Castell & Rowe after eleven years, and she's clear about why. Her
mentor taught her how to draft a contract that survives a hostile reading. Her sponsor, a
senior partner she had barely spoken to, argued for her at a meeting she wasn't invited to.

We talk about how to tell the two apart, why "visibility" is not the same as being known, and
what she asks of the associates she now sponsors.

## In this episode

- (02:40) The first file she was handed, and the red pen that came back with it
- (09:15) A mentor tells you what to do; a sponsor tells others what you did
- (17:30) The partnership meeting she only heard about six months later
- (26:05) Why she keeps a list of the people she has spoken up for
- (34:50) What she expects in return (less than you'd think)

## Mentioned

- [Mentoring and sponsorship at Castell & Rowe](https://example.com/castell-rowe/mentoring)
- ["Sponsored, not just mentored": reading list](https://example.com/reading/sponsored)

Thanks to Mei-Lin for her candour, and to the associate who put us in touch.""",
        "season": 1,
        "number": 2,
        "episode_type": "full",
        "days_ago": 372,
        "credits": [
            {
                "guest": "Mei-Lin Chen",
                "role": "guest",
                "organisation": "Castell & Rowe",
                "job_title": "Partner",
            },
        ],
        "topics": ["Mentors vs sponsors", "Finding a sponsor"],
    },
    {
        "slug": "advice-you-can-act-on",
        "title": "Advice you can act on by Monday",
        "summary": (
            "Amara Okafor on the gap between advice that sounds wise and advice you can use, "
            "and how she learned to ask her mentors better questions."
        ),
        "notes_md": """\
When we recorded this, Amara Okafor was an engineering manager at Harbourline Freight, running
a team of nine that kept the dispatch system alive through peak season. She had just finished a
year-long mentoring programme and had opinions about it.

Her verdict: most advice is too general to act on, and that's usually the asker's fault. We get
into how she turns a vague worry into a question a mentor can answer, and why she now brings a
decision, not a problem, to every session.

## In this episode

- (01:55) "Be more strategic" and other advice that goes nowhere
- (08:20) Turning a worry into a question with a deadline
- (15:45) The mentor who answered every question with another question
- (23:10) Taking advice you disagree with, on purpose, for a month
- (31:30) Why she writes the advice down before she leaves the room

## Mentioned

- [A one-page template for mentoring sessions](https://example.com/templates/mentoring-session)
- [Harbourline Freight engineering blog](https://example.com/harbourline/engineering)

Amara's template is free to copy & adapt; tell us how it goes.""",
        "season": 1,
        "number": 3,
        "episode_type": "full",
        "days_ago": 344,
        "credits": [
            {
                "guest": "Amara Okafor",
                "role": "guest",
                "organisation": "Harbourline Freight",
                "job_title": "Engineering Manager",
            },
        ],
        "topics": ["Giving and taking advice", "Closing the loop"],
    },
    {
        "slug": "tell-them-how-it-turned-out",
        "title": "Tell them how it turned out",
        "summary": (
            "Rajesh Iyer on the habit that has kept his mentors interested for fifteen years: "
            "going back to tell them what happened."
        ),
        "notes_md": """\
Rajesh Iyer has started two companies and shut one of them down. The thread running through
both is a small, unglamorous habit: after every piece of advice he takes, he goes back and
tells the person how it turned out.

He calls it "closing the loop", and he thinks it's the most neglected part of being mentored.
Mentors rarely hear what became of their advice, so they never learn whether it was any good,
and they quietly stop offering it.

## In this episode

- (03:05) The investor who stopped returning his calls, and why
- (10:40) A two-line email that restarted a relationship
- (18:15) Reporting back when you ignored the advice
- (25:50) Closing the loop when the news is bad
- (33:20) How Loomwork builds the habit into its own mentoring & onboarding

## Mentioned

- [Loomwork's mentoring handbook](https://example.com/loomwork/handbook)
- ["The follow-up note": a template](https://example.com/templates/follow-up-note)
- [Our earlier episode with Mei-Lin Chen](https://example.com/mentors/the-person-who-says-your-name)

If this episode made you think of someone you owe an update, send it today.""",
        "season": 1,
        "number": 4,
        "episode_type": "full",
        "days_ago": 316,
        "credits": [
            {
                "guest": "Rajesh Iyer",
                "role": "guest",
                "organisation": "Loomwork",
                "job_title": "Founder and CEO",
            },
        ],
        "topics": ["Closing the loop", "Giving and taking advice"],
    },
    {
        "slug": "the-apprentice-who-taught-the-plant-manager",
        "title": "The apprentice who taught the plant manager",
        "summary": (
            "Kenji Watanabe paired himself with a nineteen-year-old apprentice for a year, with "
            "the apprentice as mentor. He explains what he learned and what it cost his pride."
        ),
        "notes_md": """\
Kenji Watanabe runs a machining plant with 340 people and three shifts. Two years ago he asked
HR to pair him with the newest apprentice on the floor, a nineteen-year-old called Callum, and
to make Callum the mentor.

It started as an experiment in reverse mentoring & turned into something closer to a
friendship. Kenji talks about the first awkward meetings, the tablet app Callum insisted he
learn, and the day Callum told him that nobody on the night shift read his "all staff" emails.

## In this episode

- (02:30) Why he didn't want a mentor his own age
- (09:50) The first meeting: twenty minutes of silence and a cup of tea
- (16:25) What the apprentices really thought of the suggestion box
- (24:40) Letting someone younger correct you in front of others
- (32:10) Who's mentoring whom, two years on

## Mentioned

- [Sakura Precision's apprenticeship programme](https://example.com/sakura/apprenticeships)
- [A short guide to starting reverse mentoring](https://example.com/guides/reverse-mentoring)

Callum, if you're listening: he still checks the app every morning.""",
        "season": 1,
        "number": 5,
        "episode_type": "full",
        "days_ago": 288,
        "credits": [
            {
                "guest": "Kenji Watanabe",
                "role": "guest",
                "organisation": "Sakura Precision Components",
                "job_title": "Plant Manager",
            },
        ],
        "topics": ["Reverse mentoring", "Generational change at work"],
    },
    {
        "slug": "feedback-at-four-in-the-morning",
        "title": "Feedback at four in the morning",
        "summary": (
            "Fatima Al-Sayed on giving feedback to exhausted people in a place where mistakes "
            "matter, and what a ward sister taught her about timing."
        ),
        "notes_md": """\
Fatima Al-Sayed started as a healthcare assistant and is now Chief Nursing Officer at St
Brendan's Hospital. She has given feedback in corridors, in break rooms and once, memorably, in
a lift between floors.

She tells the story of the ward sister who took her aside after a hard night shift and said,
"I'm going to tell you one thing, and then you're going home." That one thing changed how
Fatima has delivered feedback ever since: one point, the right moment, and a clear way out of
the conversation.

## In this episode

- (02:15) The lift, the patient chart & the sentence she still remembers
- (08:45) Why tired people can hear one thing, never three
- (15:30) Feedback up the hierarchy: telling a consultant he's wrong
- (23:55) Writing it down for the people who don't want to hear it live
- (30:20) What she'd change about annual appraisals tomorrow

## Mentioned

- [St Brendan's nursing leadership programme](https://example.com/st-brendans/nursing-leadership)
- ["One thing, then go home": a feedback card](https://example.com/resources/one-thing-card)

Recorded at the end of Fatima's shift; thank you for staying late.""",
        "season": 1,
        "number": 6,
        "episode_type": "full",
        "days_ago": 260,
        "credits": [
            {
                "guest": "Fatima Al-Sayed",
                "role": "guest",
                "organisation": "St Brendan's Hospital",
                "job_title": "Chief Nursing Officer",
            },
        ],
        "topics": ["Feedback that lands"],
    },
    {
        "slug": "finding-a-sponsor-without-asking",
        "title": "Finding a sponsor without asking for one",
        "summary": (
            "Ingrid Solberg on why asking someone to be your sponsor rarely works, and what she "
            "did instead to earn one."
        ),
        "notes_md": """\
At the time of this conversation Ingrid Solberg was a senior product manager at Tidewater Labs,
and she had just been passed over for a promotion she thought was hers. Her manager's
explanation was blunt: nobody in the room had argued for her.

So she set out to find a sponsor. Her first attempt, asking a director outright, went nowhere.
What worked was slower: doing visible work for someone whose goals overlapped with hers, and
making it easy for them to talk about it.

## In this episode

- (03:20) The promotion meeting, as she heard about it afterwards
- (10:05) Why "will you be my sponsor?" makes people uncomfortable
- (17:40) Choosing whose problem to solve
- (25:15) Giving a sponsor something they can repeat in one sentence
- (33:00) The difference between being liked & being backed

## Mentioned

- [Tidewater Labs product team](https://example.com/tidewater/product)
- [Worksheet: mapping who decides your promotion](https://example.com/worksheets/promotion-map)

Ingrid's story continues later in the series, so stay subscribed.""",
        "season": 1,
        "number": 7,
        "episode_type": "full",
        "days_ago": 232,
        "credits": [
            {
                "guest": "Ingrid Solberg",
                "role": "guest",
                "organisation": "Tidewater Labs",
                "job_title": "Senior Product Manager",
            },
        ],
        "topics": ["Finding a sponsor", "Mentors vs sponsors"],
    },
    {
        "slug": "four-generations-in-one-staff-room",
        "title": "Four generations in one staff room",
        "summary": (
            "Darnell Brooks leads a school where the youngest teacher is 22 and the oldest 67. "
            "He talks about mentoring across that gap, in both directions."
        ),
        "notes_md": """\
Darnell Brooks is headteacher at Riverside Academy, where the staff room spans four
generations: newly qualified teachers in their early twenties, and a maths teacher who taught
two of his current colleagues when they were pupils.

He talks about what each group expects from a mentor, why the older teachers often want
feedback more than the younger ones do, and the staff-room argument about shared lesson plans
that taught him to stop assuming he knew what people wanted.

## In this episode

- (02:05) The teacher who once taught her own head of department
- (08:30) What a 23-year-old wants from a mentor vs. what a 60-year-old wants
- (16:10) Feedback that lands with someone who's been teaching for forty years
- (23:45) The shared-drive argument & what it was really about
- (31:35) Pairing staff across generations without making it a gimmick

## Mentioned

- [Riverside Academy staff development](https://example.com/riverside/staff-development)
- ["Teaching across generations": a short report](https://example.com/reports/across-generations)

Darnell's staff room now has a rota for who brings the biscuits. He says it's the most
effective policy he has ever written.""",
        "season": 1,
        "number": 8,
        "episode_type": "full",
        "days_ago": 204,
        "credits": [
            {
                "guest": "Darnell Brooks",
                "role": "guest",
                "organisation": "Riverside Academy",
                "job_title": "Headteacher",
            },
        ],
        "topics": ["Generational change at work", "Feedback that lands"],
    },
    {
        "slug": "who-mentors-the-chief-executive",
        "title": "Who mentors the chief executive?",
        "summary": (
            "Mateo Ruiz set up a reverse mentoring scheme for his executive team. He explains "
            "what happened when a junior analyst was asked to mentor the CEO."
        ),
        "notes_md": """\
Mateo Ruiz is Chief People Officer at Brightwater Health, a network of clinics with about 2,000
staff. Last year he paired each member of the executive team with a mentor from the company's
youngest cohort, and he started with his own boss.

We talk about the ground rules he set, the chief executive who cancelled the first three
sessions, and the junior analyst, Priya, whose "can I be honest?" turned into the most useful
hour of the CEO's quarter. Mateo is frank about what didn't work, too.

## In this episode

- (01:50) Why he started at the top, not the bottom
- (08:25) Ground rules: confidentiality, no reporting lines & no minutes
- (15:40) Three cancelled sessions, and the email that ended the cancellations
- (22:55) What the executives learned about hybrid work that they hadn't expected
- (30:30) Measuring a scheme like this without ruining it

## Mentioned

- [Brightwater Health's reverse mentoring rules](https://example.com/brightwater/mentoring)
- [Kenji's episode](https://example.com/mentors/the-apprentice-who-taught-the-plant-manager)

We'll check in on how the scheme is doing later this season.""",
        "season": 2,
        "number": 9,
        "episode_type": "full",
        "days_ago": 140,
        "credits": [
            {
                "guest": "Mateo Ruiz",
                "role": "guest",
                "organisation": "Brightwater Health",
                "job_title": "Chief People Officer",
            },
        ],
        "topics": ["Reverse mentoring", "Generational change at work"],
    },
    {
        "slug": "first-meetings-and-second-chances",
        "title": "First meetings and second chances",
        "summary": (
            "Executive coach Zoë Marchetti on how to run a first mentoring conversation, and "
            "how to rescue one that went badly."
        ),
        "notes_md": """\
Zoë Marchetti has coached leaders for fifteen years, and before that she ran a sales team in
Milan. She has strong views on first meetings: most of them are wasted on biographies, and the
most useful question comes in the last five minutes.

She shares the three questions she asks every new mentee, explains why she never gives advice
in a first session, and tells the story of a mentee who said "this isn't working" three weeks
in, and what they did next. Expect some tough love ☕ and a few scripts you can borrow.

## In this episode

- (02:20) Why a first session shouldn't start with "tell me about yourself"
- (09:10) Zoë's three questions & the one she saves for the end
- (16:35) Holding back advice until you've earned the right to give it
- (24:05) When a mentee says it isn't working
- (31:50) Feedback for the mentor: asking "what should I stop doing?"

## Mentioned

- [Zoë's first-session checklist](https://example.com/marchetti/first-session)
- [Marchetti Coaching reading list](https://example.com/marchetti/reading)

Grazie, Zoë! 🌱""",
        "season": 2,
        "number": 10,
        "episode_type": "full",
        "days_ago": 112,
        "credits": [
            {
                "guest": "Zoë Marchetti",
                "role": "guest",
                "organisation": "Marchetti Coaching",
                "job_title": "Executive Coach",
            },
        ],
        "topics": ["Giving and taking advice", "Feedback that lands"],
    },
    {
        "slug": "back-again-one-new-job-later",
        "title": "Back again, one new job later",
        "summary": (
            "Amara Okafor returns, now a VP, to talk about the sponsor who got her there and "
            "the thank-you she nearly forgot to send."
        ),
        "notes_md": """\
Amara Okafor was last on the show as an engineering manager at Harbourline Freight. Nine months
later she's VP of Engineering at Northwind Logistics, and she came back to explain how it
happened.

The short version: a former director at Harbourline moved to Northwind, remembered a
post-mortem Amara had run, and put her name forward before the role was advertised. That's
sponsorship. The longer version involves a thank-you note she almost didn't send, and what
she's doing now that she's the one in the room.

## In this episode

- (02:00) The post-mortem that got her noticed
- (08:40) A phone call on a Sunday: "don't apply yet"
- (15:20) Closing the loop with her old mentor, and the advice that didn't hold up
- (22:50) Being new & senior at the same time
- (30:15) Who she is speaking up for now

## Mentioned

- [Amara's first episode](https://example.com/mentors/advice-you-can-act-on)
- [Northwind Logistics engineering careers](https://example.com/northwind/careers)

It's a rare treat to hear the sequel; thank you, Amara.""",
        "season": 2,
        "number": 11,
        "episode_type": "full",
        "days_ago": 84,
        "credits": [
            {
                "guest": "Amara Okafor",
                "role": "guest",
                "organisation": "Northwind Logistics",
                "job_title": "VP of Engineering",
            },
        ],
        "topics": ["Finding a sponsor", "Closing the loop"],
    },
    {
        "slug": "two-professions-one-promotion-problem",
        "title": "Two professions, one promotion problem",
        "summary": (
            "Fatima Al-Sayed and Mei-Lin Chen compare how sponsorship works in a hospital and a "
            "law firm, and how it is changing as a new generation arrives."
        ),
        "notes_md": """\
Hospitals and law firms both run on seniority, long hours and a promotion process that is
partly invisible. I brought Fatima Al-Sayed and Mei-Lin Chen together to compare notes, and it
turned into a lively argument about whether formal sponsorship schemes help or just add
paperwork.

They do agree on one thing: the people arriving now expect to be told how promotion works, and
they're right to. Both describe how they've had to write down "the unwritten rules".

## In this episode

- (02:35) Who decides: a partnership vote vs. a hospital board
- (10:10) Formal sponsorship schemes & why Mei-Lin is sceptical
- (18:30) Fatima's case for writing the rules down
- (26:45) What the under-30s ask for that their managers never did
- (35:20) One thing each would change in the other's profession

## Mentioned

- [Mei-Lin's first episode](https://example.com/mentors/the-person-who-says-your-name)
- [Fatima's episode on feedback](https://example.com/mentors/feedback-at-four-in-the-morning)
- [Published promotion criteria: an example](https://example.com/resources/promotion-criteria)

Our first episode with two guests; tell us if you'd like more like it.""",
        "season": 2,
        "number": 12,
        "episode_type": "full",
        "days_ago": 56,
        "credits": [
            {
                "guest": "Fatima Al-Sayed",
                "role": "guest",
                "organisation": "St Brendan's Hospital",
                "job_title": "Chief Nursing Officer",
            },
            {
                "guest": "Mei-Lin Chen",
                "role": "guest",
                "organisation": "Castell & Rowe",
                "job_title": "Partner",
            },
        ],
        "topics": ["Mentors vs sponsors", "Generational change at work"],
    },
    {
        "slug": "what-your-mentees-never-tell-you",
        "title": "What your mentees never tell you",
        "summary": (
            "Ingrid Solberg joins as co-host to ask Darnell Brooks how he finds out whether his "
            "mentoring helped, and what his newest teachers taught him in return."
        ),
        "notes_md": """\
For this episode Ingrid Solberg, now Head of Product at Fjordline Software, joins me as
co-host. She came back with a question she couldn't shake: how do you find out whether your
mentoring did any good, when mentees so rarely report back?

Darnell Brooks has part of an answer. At Riverside Academy he asks every new teacher for a
"one-year letter" about what helped and what didn't. He reads two of them out, with
permission, and explains what the letters have taught him, including how to use the school's
new reporting software, courtesy of a 24-year-old.

## In this episode

- (02:10) Ingrid on the sponsor she found after her last visit
- (08:55) The one-year letter & how Darnell asks for it
- (16:20) The letter that stung
- (24:30) Being mentored by the people you're mentoring
- (32:05) Closing the loop from the mentor's side

## Mentioned

- [The one-year letter prompt](https://example.com/riverside/one-year-letter)
- [Ingrid's first episode](https://example.com/mentors/finding-a-sponsor-without-asking)

Thanks to Ingrid for co-hosting, and to the teachers who let us read their letters.""",
        "season": 2,
        "number": 13,
        "episode_type": "full",
        "days_ago": 31,
        "credits": [
            {
                "guest": "Ingrid Solberg",
                "role": "co-host",
                "organisation": "Fjordline Software",
                "job_title": "Head of Product",
            },
            {
                "guest": "Darnell Brooks",
                "role": "guest",
                "organisation": "Riverside Academy",
                "job_title": "Headteacher",
            },
        ],
        "topics": ["Closing the loop", "Reverse mentoring"],
    },
    {
        "slug": "reverse-mentoring-one-year-on",
        "title": "Reverse mentoring, one year on",
        "summary": (
            "Kenji Watanabe and Mateo Ruiz compare running reverse mentoring on a factory floor "
            "and across an executive team, and what they would keep."
        ),
        "notes_md": """\
Two of our guests have run reverse mentoring at very different scales: Kenji Watanabe, one to
one with an apprentice on a factory floor, and Mateo Ruiz, across an entire executive team. I
asked them both back to compare what lasted.

The answers surprised me. Kenji's pairing has outlived the pilot, while Mateo's scheme is on
its third cohort but needed rescuing after the first. They talk about what generational change
at work looks like from the top, and why "just listen" is harder advice than it sounds.

## In this episode

- (01:45) Where each experiment stands today
- (07:30) The first cohort that nearly ended Mateo's scheme
- (14:50) Kenji's apprentice is now training apprentices
- (22:15) What younger colleagues are tired of explaining
- (29:40) Keep, change & drop: their advice for anyone starting out

## Mentioned

- [Kenji's first episode](https://example.com/mentors/the-apprentice-who-taught-the-plant-manager)
- [Mateo's first episode](https://example.com/mentors/who-mentors-the-chief-executive)

Thanks to you both, and to everyone who wrote in after your first episodes.""",
        "season": 2,
        "number": 14,
        "episode_type": "full",
        "days_ago": 3,
        "credits": [
            {
                "guest": "Kenji Watanabe",
                "role": "guest",
                "organisation": "Sakura Precision Components",
                "job_title": "Plant Manager",
            },
            {
                "guest": "Mateo Ruiz",
                "role": "guest",
                "organisation": "Brightwater Health",
                "job_title": "Chief People Officer",
            },
        ],
        "topics": ["Reverse mentoring", "Generational change at work"],
    },
]


DRAFT_EPISODE: EpisodeData = {
    "slug": "saying-no-to-a-mentee",
    "title": "Saying no to a mentee",
    "summary": (
        "Rajesh Iyer on turning down people who ask him to mentor them, and the advice he gives "
        "even when the answer is no."
    ),
    "notes_md": """\
Since his first appearance, Rajesh Iyer gets more mentoring requests than he could ever accept:
around thirty a month, he reckons. He used to ignore most of them. Now he says no to nearly all
of them, kindly and quickly, and he thinks that has been better for everyone.

We talk about how he decides, the short reply he sends, and the one piece of advice he includes
even when the answer is "no". He also admits to the time he said yes to the wrong person for
the wrong reasons.

## In this episode

- (02:25) Thirty requests a month & the few he can't ignore
- (09:00) A kind refusal in three sentences
- (15:35) Giving one useful piece of advice on the way out
- (22:40) The yes he regrets
- (29:10) What makes a request hard to turn down

## Mentioned

- [Rajesh's first episode](https://example.com/mentors/tell-them-how-it-turned-out)
- [Loomwork's reply templates](https://example.com/loomwork/reply-templates)

If you've ever had a no from Rajesh, he'd like you to know it wasn't personal.""",
    "season": 2,
    "number": 15,
    "episode_type": "full",
    "days_ago": 0,
    "credits": [
        {
            "guest": "Rajesh Iyer",
            "role": "guest",
            "organisation": "Loomwork",
            "job_title": "Founder and CEO",
        },
    ],
    "topics": ["Giving and taking advice"],
}


SCHEDULED_EPISODE: EpisodeData = {
    "slug": "sponsoring-someone-unlike-you",
    "title": "Sponsoring someone who isn't like you",
    "summary": (
        "Mei-Lin Chen on the uncomfortable work of sponsoring people who don't remind you of "
        "yourself."
    ),
    "notes_md": """\
Most sponsorship happens by resemblance: senior people champion juniors who remind them of
themselves. Mei-Lin Chen has spent the last two years deliberately doing the opposite at
Castell & Rowe, and she's honest about how uncomfortable it has been.

She talks about noticing whom she naturally gravitated towards, the associate she almost
overlooked because he was quiet in meetings, and how she learned what he needed from a sponsor
by asking rather than guessing. For anyone hoping to find a sponsor, she has advice on making
yourself easier to champion without pretending to be someone else.

## In this episode

- (02:15) The "mini-me" problem on the partnership track
- (09:30) An audit of who she had spoken up for, and who she hadn't
- (17:05) The quiet associate & the memo that changed her mind
- (24:50) Asking "what would help?" instead of assuming
- (32:25) Advice for the person hoping to be sponsored

## Mentioned

- [Mei-Lin's first episode](https://example.com/mentors/the-person-who-says-your-name)
- [A sponsorship audit worksheet](https://example.com/worksheets/sponsorship-audit)

Mei-Lin's third visit to the show; we're grateful she keeps saying yes.""",
    "season": 2,
    "number": 16,
    "episode_type": "full",
    "days_ago": -7,
    "credits": [
        {
            "guest": "Mei-Lin Chen",
            "role": "guest",
            "organisation": "Castell & Rowe",
            "job_title": "Partner",
        },
    ],
    "topics": ["Finding a sponsor", "Mentors vs sponsors"],
}
