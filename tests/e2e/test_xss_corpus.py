"""The attacker's XSS corpus as a regression test, in the real Chromium, for every role.

Every payload is put (through the factories, so it is fast) into every kind of user text that
reaches a page: feedback, customers, forms, issues and their publication, topics, studies,
tasks, slots, observations, letters in the outbox, staff names and API token names. Then each
role opens every staff page it may see, and the public visits the form, the transparency
pages and the participant pages. On every page:

- nothing ran: each payload calls ``__xss(n)`` (or ``alert``/``confirm``/``prompt``), which an
  init script records, and no dialog or popup appeared;
- nothing was parsed as markup: the pages send a strict Content-Security-Policy, so an
  unescaped ``<img onerror>`` would be *blocked* rather than run, and "no script ran" alone
  would pass even with ``|safe`` on user text. So the DOM is inspected too: no element carries
  an ``on*`` handler, a ``data-xss`` marker, a ``javascript:`` URL, a CSS ``url()``, and there
  is no inline ``<script>``, ``<iframe>``, ``<object>``, ``<base>`` … and no CSP violation
  was reported;
- template syntax was not evaluated (``ssti{{7*191}}`` never becomes ``ssti1337``);
- the payloads did arrive: every one of them is found verbatim as text (or as an attribute or
  field value) on some page, and a few pages show whole fields exactly.

Two positive controls keep this from passing vacuously: each live payload, put raw into the
context it is built for (HTML body, attribute, URL, script string, textarea …) on a page
without CSP, is caught; and a real staff page with its escaping undone (what ``|safe`` would
do), served with the app's own headers, is caught as well.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

import markupsafe
from playwright.sync_api import expect
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from tests.factories import (
    PASSWORD,
    make_customer,
    make_feedback,
    make_form,
    make_issue,
    make_observation,
    make_participant,
    make_slot,
    make_staff_user,
    make_study,
    make_study_session,
    make_topic_run,
)
from workbench.auth.models import ApiToken, Role
from workbench.db import get_database, utcnow
from workbench.issues.models import (
    IssueEvent,
    IssueFeedback,
    IssueKind,
    IssueStatus,
    IssueTopic,
    PublicQuote,
)
from workbench.outbox.models import MessageStatus, OutboxAttachment, OutboxMessage
from workbench.studies.answers import accept_invitation, open_invitation
from workbench.studies.bookings import book_slot
from workbench.studies.forms import SlotForm, StudyForm
from workbench.studies.invitations import invite_participant
from workbench.studies.letters import Mailing
from workbench.studies.models import (
    ParticipantStatus,
    SessionStatus,
    StudyMethod,
    StudyStatus,
    StudyTask,
    TaskOutcome,
    TaskResult,
)
from workbench.topics.models import TopicVersion

# --------------------------------------------------------------------------------------------
# The corpus. "§" becomes the payload's number; executed, a payload calls __xss(n), alert(n),
# confirm(n) or prompt(n). Markup payloads also carry a data-xss marker, so that markup that
# got through is seen even where the CSP stops it from running.
#
# Kinds say which context a payload is built to break (the positive control puts it there):
#   html     element content        attr / attr1   a "…" / '…' attribute value
#   href     a URL attribute        js1 / js2      a '…' / "…" string in an inline script
#   json     a JSON <script> block  textarea       <textarea> content (RCDATA)
#   title    <title> content        text           must only ever show as these characters
#   ssti     template syntax: must never be evaluated (ssti1337)
# --------------------------------------------------------------------------------------------


def _b64(source: str) -> str:
    return base64.b64encode(source.encode()).decode()


_CORPUS: list[tuple[str, str]] = [
    ("html", "<script>__xss(§)</script>"),
    ("html", "<ScRiPt data-xss>__xss(§)</sCrIpT>"),
    ("html", "<img src=x onerror=__xss(§) data-xss>"),
    ("html", '<img src="x" onerror="alert(§)" data-xss="§">'),
    ("html", "<svg onload=__xss(§) data-xss>"),
    ("html", "<svg/onload=__xss(§)>"),
    ("html", "<svg><script>__xss(§)</script></svg>"),
    ("html", "<body onload=__xss(§) data-xss>"),
    ("html", '<iframe srcdoc="<script>parent.__xss(§)</script>" data-xss></iframe>'),
    ("html", '<iframe src="javascript:parent.__xss(§)" data-xss></iframe>'),
    ("html", "<details open ontoggle=__xss(§) data-xss>"),
    ("html", "<input autofocus onfocus=__xss(§) data-xss>"),
    ("html", '<a href="javascript:__xss(§)" data-xss>click</a>'),
    ("html", '<a href="jav&#x09;ascript:__xss(§)" data-xss>tab</a>'),
    ("html", '<a href="&#106;avascript:__xss(§)" data-xss>entity</a>'),
    ("html", "<math><mtext><table><mglyph><style><img src=x onerror=__xss(§) data-xss>"),
    ("html", '<noscript><p title="</noscript><img src=x onerror=__xss(§) data-xss>">'),
    ("html", "<svg><style><img src=x onerror=__xss(§) data-xss></style></svg>"),
    (
        "html",
        "<form><math><mtext></form><form><mglyph><style></math>"
        "<img src=x onerror=__xss(§) data-xss>",
    ),
    ("html", "<video><source onerror=__xss(§) data-xss></video>"),
    ("html", "<audio src=x onerror=__xss(§) data-xss>"),
    ("html", '<object data="javascript:__xss(§)" data-xss></object>'),
    ("html", '<embed src="javascript:__xss(§)" data-xss>'),
    ("html", "<style>@import 'javascript:__xss(§)';</style><b data-xss>"),
    ("html", '<div style="background:url(javascript:__xss(§))" data-xss>css</div>'),
    ("html", "<img src=x onerror=eval(atob('{b64}')) data-xss>"),
    ("html", '<img src=x onerror="&#95;&#95;xss(§)" data-xss>'),
    ("html", "<img src=x onerror=\\u005f\\u005fxss(§) data-xss>"),
    ("html", "<IMG SRC=x ONERROR=__xss&#40;§&#41; data-xss>"),
    ("html", "<img src=x:alert(§) onerror=eval(src) data-xss>"),
    ("html", '<img/src="x"/onerror=__xss(§)>'),
    ("html", "<marquee onstart=__xss(§) data-xss>m</marquee>"),
    ("html", '<base href="javascript:__xss(§)//" data-xss>'),
    ("html", '<meta http-equiv="refresh" content="0;url=javascript:__xss(§)" data-xss>'),
    ("html", '<svg><a xlink:href="javascript:__xss(§)" data-xss><text y=9>x</text></a></svg>'),
    ("html", "<a href=# onclick=__xss(§) data-xss>click</a>"),
    ("html", "<x contenteditable onblur=__xss(§) data-xss>x</x>"),
    ("html", "<<script>__xss(§)//<</script>"),
    ("html", '<!--<img src="--><img src=x onerror=__xss(§) data-xss>'),
    ("html", "\u202e<img src=x onerror=__xss(§) data-xss>\u202c"),
    ("html", "<picture><source srcset=x><img src=x onerror=confirm(§) data-xss></picture>"),
    ("html", "<svg><animate onbegin=prompt(§) attributeName=x dur=1s data-xss>"),
    ("attr", '"><img src=x onerror=__xss(§) data-xss>'),
    ("attr", '" onmouseover="__xss(§)" data-xss="'),
    ("attr", '" autofocus onfocus="__xss(§)" data-xss="'),
    ("attr1", "' autofocus onfocus='__xss(§)' data-xss='"),
    ("attr1", "'><svg onload=__xss(§) data-xss>"),
    # E-mail addresses that the app's own check (email_validator) lets through.
    ("attr1", "x'onmouseover='__xss`§`'x@example.se"),
    ("attr1", "'/autofocus/onfocus='__xss`§`'@example.se"),
    ("ssti", "ssti{{7*191}}@example.se"),
    ("href", "javascript:__xss(§)"),
    ("href", "JaVaScRiPt:alert(§)"),
    ("href", "  javascript:__xss(§)"),
    ("href", "data:text/html,<script>parent.__xss(§)</script>"),
    ("href", 'https://meet.example/x"onmouseover="__xss(§)"data-xss="'),
    ("js1", "'-alert(§)-'"),
    ("js1", "';__xss(§);//"),
    ("js2", '";__xss(§)//'),
    ("json", "</script><script>__xss(§)</script>"),
    ("textarea", "</textarea><script>__xss(§)</script>"),
    ("textarea", "</textarea><img src=x onerror=__xss(§) data-xss>"),
    ("title", "</title><script>__xss(§)</script>"),
    ("text", "&lt;script&gt;__xss(§)&lt;/script&gt;"),
    ("text", "%3Cscript%3E__xss(§)%3C%2Fscript%3E"),
    ("text", "\uff1cscript\uff1e__xss(§)\uff1c/script\uff1e"),
    ("text", "[click](javascript:__xss(§))"),
    ("ssti", "ssti{{7*191}}"),
    ("ssti", "ssti{{ 7*191 }}"),
    ("ssti", "ssti${7*191}"),
    ("ssti", "ssti#{7*191}"),
    ("ssti", "ssti<%= 7*191 %>"),
]

SSTI_EVALUATED = "ssti1337"


@dataclass(frozen=True)
class Payload:
    number: int
    kind: str
    text: str


def _build() -> tuple[Payload, ...]:
    payloads = []
    for number, (kind, template) in enumerate(_CORPUS, start=1):
        text = template.replace("{b64}", _b64(f"__xss({number})")).replace("§", str(number))
        payloads.append(Payload(number, kind, text))
    return tuple(payloads)


PAYLOADS = _build()
LIVE = tuple(p for p in PAYLOADS if p.kind not in ("text", "ssti"))
ALL_TEXT = "\n".join(p.text for p in PAYLOADS)  # for fields without a length limit


def of_kind(kind: str, index: int = 0) -> str:
    """The index-th payload of a kind (for the inputs reflected from a request)."""
    return [p.text for p in PAYLOADS if p.kind == kind][index]


EMAILS = tuple(p.text for p in PAYLOADS if p.text.endswith("@example.se"))


def email(index: int) -> str:
    """A customer's e-mail address (unique) from the payloads that are valid addresses."""
    address = EMAILS[index % len(EMAILS)]
    return address if index < len(EMAILS) else f"{index}.{address}"


SCRIPT_TAG = of_kind("html", 0)
IMG_ONERROR = of_kind("html", 2)
SVG_ONLOAD = of_kind("html", 4)
TAG_BREAKOUT = of_kind("attr", 0)
ATTR_BREAKOUT = of_kind("attr", 1)
AUTOFOCUS_BREAKOUT = of_kind("attr", 2)
TEXTAREA_BREAKOUT = of_kind("textarea", 0)


class Rotation:
    """Hands out payloads in turn, only ones that fit a field's length limit."""

    def __init__(self) -> None:
        self.position = 0

    def take(self, limit: int = 10_000, count: int = 1) -> list[str]:
        taken: list[str] = []
        for _ in range(len(PAYLOADS) * 2):
            payload = PAYLOADS[self.position % len(PAYLOADS)]
            self.position += 1
            if len(payload.text) <= limit:
                taken.append(payload.text)
                if len(taken) == count:
                    return taken
        raise AssertionError(f"not enough payloads of at most {limit} characters")

    def one(self, limit: int = 10_000) -> str:
        return self.take(limit)[0]


# --------------------------------------------------------------------------------------------
# What runs in every page before its own scripts, and what inspects it after loading.
# --------------------------------------------------------------------------------------------

HOOK = """
window.__xss_hits = [];
window.__xss = (n) => { window.__xss_hits.push(String(n)); };
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (x) => { window.__xss_hits.push(name + ':' + x); };
}
document.addEventListener('securitypolicyviolation', (e) => {
  window.__xss_hits.push('csp:' + e.violatedDirective + ':' + (e.sample || e.blockedURI));
}, true);
"""

INSPECT = r"""
() => {
  const bad = [];
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'data', 'xlink:href',
    'background', 'poster', 'codebase', 'cite', 'ping', 'lowsrc', 'dynsrc', 'content']);
  const badTags = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base',
    'portal', 'style', 'marquee']);
  const origin = location.origin + '/static/';
  const scriptUrl = /(^|url=)(javascript|vbscript|data:text\/html|data:image\/svg)/;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    const where = '<' + tag + (el.id ? '#' + el.id : '') + '>';
    if (badTags.has(tag)) bad.push('element ' + where);
    if (tag === 'script') {
      if (!el.hasAttribute('src') && el.type !== 'application/json') bad.push('inline script');
      if (el.hasAttribute('src') && !el.src.startsWith(origin)) bad.push('script ' + el.src);
    }
    if ((tag === 'meta' || tag === 'link') && el.parentElement !== document.head) {
      bad.push(where + ' outside <head>');
    }
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(where + ' handler ' + name);
      else if (name.includes('xss')) bad.push(where + ' marker ' + name);
      else if (name === 'srcdoc') bad.push(where + ' srcdoc');
      else if (name === 'style' && /url\(|expression|javascript|@import/.test(value)) {
        bad.push(where + ' style ' + value);
      } else if (urlAttrs.has(name) && scriptUrl.test(value)) {
        bad.push(where + ' ' + name + '=' + value);
      }
    }
  }
  const values = [...document.querySelectorAll('input, textarea, select')].map((e) => e.value);
  const attributes = [...document.querySelectorAll('*')]
    .flatMap((e) => [...e.attributes].map((a) => a.value));
  return {
    hits: window.__xss_hits || ['hook missing'],
    bad,
    text: [document.documentElement.textContent, ...values, ...attributes].join('\n'),
  };
}
"""


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    visited: dict[str, list[str]] = field(default_factory=dict)
    dialogs: list[str] = field(default_factory=list)

    def check(self, page, label: str) -> dict:
        found = page.evaluate(INSPECT)
        if found["hits"]:
            self.problems.append(
                f"{label}: script ran or the CSP blocked something: {found['hits']}"
            )
        if found["bad"]:
            self.problems.append(f"{label}: markup from user text: {sorted(set(found['bad']))}")
        if SSTI_EVALUATED in found["text"]:
            self.problems.append(f"{label}: template syntax in user text was evaluated")
        if self.dialogs:
            self.problems.append(f"{label}: dialogs {self.dialogs}")
            self.dialogs.clear()
        self.seen |= {p.number for p in PAYLOADS if p.text in found["text"]}
        return found


def new_context(browser, findings: Findings):
    context = browser.new_context(locale="en-GB")
    context.add_init_script(HOOK)

    def on_page(page):
        if len(context.pages) > 1:  # only the test opens pages: anything more is a popup
            findings.dialogs.append(f"popup {page.url}")
        page.on(
            "dialog", lambda dialog: (findings.dialogs.append(dialog.message), dialog.dismiss())
        )

    context.on("page", on_page)
    return context


# --------------------------------------------------------------------------------------------
# The data: every user-text field gets several payloads; big text fields get all of them.
# --------------------------------------------------------------------------------------------


@dataclass
class Seeded:
    staff: dict[Role, str]
    feedback_all: int
    feedback_form: int
    customer_named: int
    customer_unnamed: int
    issue: int
    issue_published: int
    topic: int
    study: int
    session_done: int
    session_running: int
    message: int
    letter: int
    form_id: int
    form_slug: str
    payload_user: int
    invited_link: str
    accepted_link: str
    segment: str


def seed(session, live_server: str) -> Seeded:
    now = utcnow()
    rotate = Rotation()
    mailing = Mailing(link_for=lambda token: f"{live_server}/p/{token}", sender_email="r@wb.test")

    staff = {}
    for role in Role:
        staff[role] = f"xss-{role.value}@test.example"
        make_staff_user(session, role=role, email=staff[role], name=rotate.one(200))
    payload_user = make_staff_user(session, role=Role.RESEARCHER, name=rotate.one(200))
    for _ in range(3):
        session.add(
            ApiToken(name=rotate.one(100), token_hash=f"{rotate.position:064d}", prefix="wb_x")
        )

    # Customers: names, e-mail local parts, segments, references and phones.
    segment = IMG_ONERROR
    customers = []
    for index in range(6):
        customers.append(
            make_customer(
                session,
                name=rotate.one(200),
                email=email(index),
                external_ref=rotate.one(100),
                phone=rotate.one(50),
                segment=segment if index % 2 else rotate.one(50),
                consents={"research": True, "contact": True, "publish_quote": True},
            )
        )
    unnamed = make_customer(session, name="", email=email(6))

    # A form and feedback: text, source, attribute names, the form's title and questions.
    form = make_form(
        session, title=rotate.one(200), intro=ALL_TEXT, attribute_questions=rotate.take(count=4)
    )
    feedback_all = make_feedback(
        session, text=ALL_TEXT, customer_id=customers[0].id, consent_publish=True
    )
    feedback_form = make_feedback(
        session,
        text=rotate.one(),
        form_id=form.id,
        source=rotate.one(100),
        customer_id=unnamed.id,
        attribute_ratings={text: 2 for text in rotate.take(count=3)},
    )
    singles = [
        make_feedback(
            session,
            text=payload.text,
            customer_id=customers[payload.number % 6].id,
            source="xss",
            consent_publish=True,
        )
        for payload in PAYLOADS
    ]

    # Topics: engine labels (and so keywords), theme labels, a name given by staff.
    assignments = {
        rotate.one(200): [feedback_all, *singles[index::5]] if index == 0 else singles[index::5]
        for index in range(5)
    }
    _run, topics = make_topic_run(session, assignments)
    for number, version in enumerate(session.exec(select(TopicVersion)).all()):
        version.theme = number % 2
        version.theme_label = rotate.one(200)
        session.add(version)
    first_topic = next(iter(topics.values()))
    list(topics.values())[1].custom_label = rotate.one(200)

    # Issues: titles, descriptions, history, owner; one published with answer and quotes.
    issues = [
        make_issue(
            session,
            title=rotate.one(200),
            description=ALL_TEXT if index == 0 else rotate.one(),
            owner_id=payload_user.id,
            created_by_id=payload_user.id,
            kind=IssueKind.USABILITY,
        )
        for index in range(6)
    ]
    issue = issues[0]
    for detail in rotate.take(count=3):
        session.add(
            IssueEvent(issue_id=issue.id, actor_id=payload_user.id, action="note", detail=detail)
        )
    session.add(IssueTopic(issue_id=issue.id, topic_id=first_topic.id))
    for published, answer in ((issues[1], ALL_TEXT), (issues[2], rotate.one())):
        published.status = IssueStatus.PLANNED
        published.public_title = rotate.one(200)
        published.public_answer = answer
        published.published = True
        published.published_at = published.public_updated_at = now
        session.add(published)
    for item in [*singles[:6], feedback_all]:
        session.add(IssueFeedback(issue_id=issues[1].id, feedback_id=item.id))
        session.add(IssueFeedback(issue_id=issue.id, feedback_id=item.id))
        session.add(
            PublicQuote(issue_id=issues[1].id, feedback_id=item.id, text=item.text, approved_at=now)
        )
    session.add(PublicQuote(issue_id=issues[1].id, feedback_id=singles[7].id, text=ALL_TEXT))

    # A study in fieldwork: title, goal, tasks, incentive note, screener on a payload segment.
    study = make_study(
        session,
        title=rotate.one(200),
        research_goal=ALL_TEXT,
        tasks=[ALL_TEXT, *rotate.take(count=3)],
        status=StudyStatus.FIELDWORK,
        method=StudyMethod.REMOTE,
        meeting_link=next(p.text for p in PAYLOADS if p.kind == "href" and "https" in p.text),
        incentive_note=rotate.one(200),
        screener={"segments": [segment]},
    )
    tasks = list(session.exec(select(StudyTask).where(StudyTask.study_id == study.id)).all())
    for task in tasks:
        task.success_criterion = rotate.one()
        session.add(task)
    slot_times = [now.replace(microsecond=0) + timedelta(days=5 + day) for day in range(2)]
    slots = [
        make_slot(
            session,
            study,
            starts_at=when,
            location=rotate.one(300),
            meeting_link=study.meeting_link,
            moderator_id=payload_user.id,
        )
        for when in slot_times
    ]

    # Invited and accepted participants, through the real letters (the outbox gets them).
    links = []
    for customer in customers[:2]:
        participant = make_participant(session, study, customer, reason=rotate.one(300))
        invite_participant(session, participant, mailing, now=now)
        letter = session.exec(
            select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
        ).one()
        links.append(re.search(r"http\S+/p/[\w-]+", letter.body_text).group(0))
    accepted = open_invitation(session, links[1].rsplit("/", 1)[1], now=now)
    accept_invitation(session, accepted, now=now)
    book_slot(session, accepted.participant, slots[0].id, mailing, now=now)

    # Sessions: one completed (for the report), one running; notes, tags, quotes, results.
    done_participant = make_participant(
        session, study, customers[2], status=ParticipantStatus.ACCEPTED
    )
    done = make_study_session(
        session,
        study,
        done_participant,
        status=SessionStatus.COMPLETED,
        ended_at=now,
        incentive_given_at=now,
        notes=rotate.one(),
    )
    running = make_study_session(
        session,
        study,
        make_participant(session, study, customers[3], status=ParticipantStatus.ACCEPTED),
    )
    for study_session in (done, running):
        make_observation(
            session,
            study_session,
            note=ALL_TEXT,
            task_id=tasks[0].id,
            tags=rotate.take(count=3),
            is_quote=True,
            publishable=True,
            issue_id=issue.id,
            severity=3,
        )
        for index, note in enumerate(rotate.take(count=4)):
            make_observation(
                session,
                study_session,
                note=note,
                task_id=tasks[index % len(tasks)].id,
                tags=[rotate.one()],
                is_quote=index % 2 == 0,
                publishable=index % 2 == 0,
                issue_id=issues[index].id,
                severity=index,
            )
    for task in tasks:
        session.add(
            TaskResult(session_id=done.id, task_id=task.id, outcome=TaskOutcome.FAIL, seconds=9)
        )

    # A letter that failed: subject, recipient, body, error and attachment name.
    message = OutboxMessage(
        kind="follow_up",
        customer_id=customers[4].id,
        to_address=email(7),
        to_name=rotate.one(200),
        subject=rotate.one(300),
        body_text=ALL_TEXT,
        status=MessageStatus.FAILED,
        attempts=5,
        last_error=rotate.one(),
    )
    session.add(message)
    session.flush()
    session.add(
        OutboxAttachment(
            message_id=message.id,
            filename=rotate.one(200),
            content_type="text/plain",
            content=ALL_TEXT,
        )
    )
    letter = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    session.flush()
    return Seeded(
        staff=staff,
        feedback_all=feedback_all.id,
        feedback_form=feedback_form.id,
        customer_named=customers[0].id,
        customer_unnamed=unnamed.id,
        issue=issue.id,
        issue_published=issues[1].id,
        topic=first_topic.id,
        study=study.id,
        session_done=done.id,
        session_running=running.id,
        message=message.id,
        letter=letter.id,
        form_id=form.id,
        form_slug=form.slug,
        payload_user=payload_user.id,
        invited_link=links[0],
        accepted_link=links[1],
        segment=segment,
    )


def staff_pages(s: Seeded) -> list[str]:
    """Every staff page that shows user text; the last ones reflect a query parameter."""
    return [
        "/feedback",
        f"/feedback/{s.feedback_all}",
        f"/feedback/{s.feedback_form}",
        "/customers",
        f"/customers/{s.customer_named}",
        f"/customers/{s.customer_unnamed}",
        "/issues",
        f"/issues/{s.issue}",
        f"/issues/{s.issue}/edit",
        f"/issues/{s.issue_published}",
        f"/issues/{s.issue_published}/publication",
        "/issues/new",
        "/topics",
        f"/topics/{s.topic}",
        "/topics/runs",
        "/studies",
        f"/studies/{s.study}",
        f"/studies/{s.study}/edit",
        f"/studies/{s.study}/sessions",
        f"/studies/{s.study}/report",
        f"/studies/{s.study}/screener",
        f"/sessions/{s.session_done}",
        f"/sessions/{s.session_running}",
        "/outbox",
        f"/outbox/{s.message}",
        f"/outbox/{s.letter}",
        "/forms",
        f"/forms/{s.form_id}",
        "/admin/users",
        f"/admin/users/{s.payload_user}",
        "/admin/tokens",
        "/admin/recruitment",
        # Reflected: a payload in the query string.
        f"/feedback?search={quote(ATTR_BREAKOUT)}&source={quote(IMG_ONERROR)}",
        f"/customers?search={quote(TAG_BREAKOUT)}",
        f"/issues?search={quote(AUTOFOCUS_BREAKOUT)}",
        f"/topics/{s.topic}?search={quote(SCRIPT_TAG)}",
        f"/outbox?status={quote(TAG_BREAKOUT)}",
    ]


def visit(page, base: str, path: str, findings: Findings, label: str, role_allowed=True):
    """Open one page and inspect it; returns the inspection, or None when it was refused."""
    response = page.goto(base + path, wait_until="load")
    status = response.status if response else 0
    if status == 403 and not role_allowed:
        return None
    reflected = "?" in path and "lang=" not in path
    if status != 200 and not (reflected and status in (400, 422)):
        findings.problems.append(f"{label} {path}: HTTP {status}")
        return None
    if urlsplit(page.url).path != urlsplit(base + path).path:
        findings.problems.append(f"{label} {path}: ended up at {page.url}")
        return None
    if "/screener" in path:  # the live count is fetched and set with innerHTML
        page.wait_for_selector("#eligibility .eligible-count", timeout=10_000)
    findings.visited.setdefault(label, []).append(path)
    return findings.check(page, f"{label} {path}")


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def exact_text_checks(page, base: str, s: Seeded) -> list[str]:
    """As admin: whole fields come back exactly, as text and in form fields."""
    problems = []
    page.goto(f"{base}/feedback/{s.feedback_all}")
    if page.locator(".feedback-text").text_content() != ALL_TEXT:
        problems.append("feedback text not shown exactly")
    page.goto(f"{base}/issues/{s.issue}")
    if page.locator(".issue-description").text_content() != ALL_TEXT:
        problems.append("issue description not shown exactly")
    page.goto(f"{base}/issues/{s.issue}/edit")
    if page.locator("textarea").first.input_value() != ALL_TEXT:
        problems.append("issue description not kept exactly in its <textarea>")
    page.goto(f"{base}/forms/{s.form_id}")
    if ALL_TEXT not in [area.input_value() for area in page.locator("textarea").all()]:
        problems.append("form intro not kept exactly in its <textarea>")
    page.goto(f"{base}/studies/{s.study}/report")
    if page.locator("#tasks-table tbody th").first.text_content() != f"1. {ALL_TEXT}":
        problems.append("task not shown exactly in the report")
    data = page.locator("#report-data").text_content()
    if "</script" in data.lower() or "<script" in data.lower():
        problems.append("report JSON block holds a raw <script")
    return problems


def unescaped_control(page, context, base: str, path: str, findings: Findings) -> list[str]:
    """A real page with its escaping undone (what |safe would do), served with the app's own
    headers (its CSP): the inspection must catch it, or this test could not fail."""
    response = context.request.get(base + path)
    html = response.text()
    undone = html
    for p in PAYLOADS:
        undone = undone.replace(str(markupsafe.escape(p.text)), p.text)
    assert undone != html, "the payloads were not on the page to undo"
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    assert "script-src 'self'" in headers.get("content-security-policy", "")
    fake = f"{base}/__xss_unescaped_control__"
    page.route(fake, lambda route: route.fulfill(status=200, headers=headers, body=undone))
    page.goto(fake, wait_until="load")
    found = page.evaluate(INSPECT)
    page.unroute(fake)
    findings.dialogs.clear()
    return found["bad"] + found["hits"]


# --------------------------------------------------------------------------------------------
# The tests.
# --------------------------------------------------------------------------------------------


def test_the_corpus_is_big_and_every_live_payload_is_caught_when_injected_raw(browser):
    """The positive control: each payload, raw in the context it targets, on a page without
    CSP, is caught by the hook or the inspection; most of them really run."""
    assert len(PAYLOADS) >= 40 and len({p.text for p in PAYLOADS}) == len(PAYLOADS)
    assert len(LIVE) >= 40
    wrappers = {
        "html": "<div>PAYLOAD</div>",
        "attr": '<input value="PAYLOAD">',
        "attr1": "<input value='PAYLOAD'>",
        "href": '<a href="PAYLOAD">link</a>',
        "js1": "<script>var s = 'PAYLOAD';</script>",
        "js2": '<script>var s = "PAYLOAD";</script>',
        "json": '<script type="application/json">{"a": "PAYLOAD"}</script>',
        "textarea": "<textarea>PAYLOAD</textarea>",
        "title": "<title>PAYLOAD</title>",
    }
    bodies: dict[str, str] = {}
    base = "http://xss-control.test"

    def serve(route):
        body = bodies.get(urlsplit(route.request.url).path)
        if body is None:
            route.fulfill(status=404, body="")
        else:
            route.fulfill(status=200, content_type="text/html", body=body)

    findings = Findings()
    context = new_context(browser, findings)
    try:
        context.route("**/*", serve)
        page = context.new_page()
        missed, ran = [], []
        for p in LIVE:
            path = f"/control/{p.number}"
            content = wrappers[p.kind].replace("PAYLOAD", p.text)
            bodies[path] = f"<!doctype html><html><head></head><body>{content}</body></html>"
            page.goto(base + path, wait_until="load")
            page.wait_for_function("document.readyState === 'complete'")
            if "autofocus" in p.text:  # its onfocus runs once the element has the focus
                expect(page.locator("[autofocus]").first).to_be_focused()
            found = page.evaluate(INSPECT)
            executed = [h for h in found["hits"] if h.split(":")[-1] == str(p.number)]
            if executed or findings.dialogs:
                ran.append(p.number)
            if not (found["hits"] or found["bad"] or findings.dialogs):
                missed.append(p)
            findings.dialogs.clear()
        assert not missed, f"payloads the inspection would not notice: {missed}"
        assert len(ran) >= 30, f"only {len(ran)} payloads ran without CSP: {ran}"
    finally:
        context.close()


def test_the_meeting_link_fields_refuse_script_urls(app):
    """The only user text that becomes an href is a meeting link: its forms take http(s) only."""
    with app.test_request_context():
        for p in PAYLOADS:
            if p.kind != "href" or p.text.startswith("https://"):
                continue
            for form_class in (StudyForm, SlotForm):
                form = form_class(
                    formdata=MultiDict({"meeting_link": p.text}), meta={"csrf": False}
                )
                form.validate()
                assert "meeting_link" in form.errors, (form_class.__name__, p.text)


def test_no_payload_runs_or_renders_as_markup_for_any_role(live_app, live_server, browser):
    with get_database(live_app).session_scope() as session:
        s = seed(session, live_server)
    findings = Findings()
    base = live_server

    # The public: the form (and its answer page with the text sent back), transparency,
    # participant pages, the login page and unknown links.
    context = new_context(browser, findings)
    try:
        page = context.new_page()
        for path in (
            f"/f/{s.form_slug}",
            f"/f/{s.form_slug}/thanks",
            "/transparency?lang=sv",
            "/transparency?lang=en",
            f"/transparency/issues/{s.issue_published}?lang=en",
            urlsplit(s.invited_link).path,
            urlsplit(s.invited_link).path + "?lang=en",
            urlsplit(s.accepted_link).path + "?lang=en",
            urlsplit(s.accepted_link).path + "?lang=sv",
        ):
            visit(page, base, path, findings, "public")
        # The form sent back with errors shows what was typed.
        page.goto(f"{base}/f/{s.form_slug}")
        page.locator("textarea").first.fill(TEXTAREA_BREAKOUT)
        page.locator("input[type=email]").fill(TAG_BREAKOUT[:60])
        page.locator("button[type=submit]").click()
        page.wait_for_load_state("load")
        findings.check(page, "public form sent back")
        assert page.locator("textarea").first.input_value() == TEXTAREA_BREAKOUT
        # A failed login shows the address typed; unknown links and a bad language.
        page.goto(f"{base}/login")
        page.get_by_label("E-mail").fill(ATTR_BREAKOUT)
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        findings.check(page, "login sent back")
        for path in (f"/p/{quote(SCRIPT_TAG)}", f"/f/{quote(SVG_ONLOAD)}"):
            page.goto(base + path, wait_until="load")
            findings.check(page, f"public {path}")
        page.goto(f"{base}/transparency?lang={quote(TAG_BREAKOUT)}", wait_until="load")
        findings.check(page, "transparency with a bad language")
    finally:
        context.close()

    # Every role, every staff page it may see.
    for role in Role:
        context = new_context(browser, findings)
        try:
            page = context.new_page()
            log_in(page, base, s.staff[role])
            for path in staff_pages(s):
                visit(page, base, path, findings, role.value, role_allowed=role == Role.ADMIN)
            if role == Role.ADMIN:
                findings.problems += exact_text_checks(page, base, s)
                for path in (f"/feedback/{s.feedback_all}", f"/studies/{s.study}/report"):
                    caught = unescaped_control(page, context, base, path, findings)
                    assert caught, f"{path} with escaping undone went unnoticed"
        finally:
            context.close()

    assert not findings.problems, "\n".join(findings.problems)
    assert len(findings.visited["admin"]) == len(staff_pages(s))
    for role in (Role.RESEARCHER, Role.PRODUCT_OWNER, Role.VIEWER):
        assert len(findings.visited[role.value]) >= 8, (role, findings.visited[role.value])
    assert len(findings.visited["public"]) == 9
    missing = [p for p in PAYLOADS if p.number not in findings.seen]
    assert not missing, f"payloads that reached no page as text: {missing}"
