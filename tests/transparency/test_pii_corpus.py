"""No personal data on any public page: a generated corpus seeded with it, rendered everywhere.

About fifty customers with Swedish and English names, e-mail addresses, phone numbers (Swedish
and international formats) and personal identity numbers (valid Luhn) write feedback that repeats
them; all of it consents to publishing, is linked to published issues, quoted and approved, and
the public titles and answers try to include them too. Every public page in both languages and
the feed must show none of the seeded values: case-insensitive, names as whole words, numbers
also with spaces and hyphens removed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pytest

from tests.factories import make_customer, make_feedback, make_issue
from tests.transparency.conftest import link, publish
from workbench.db import utcnow
from workbench.issues.models import IssueStatus
from workbench.transparency import publication

SWEDISH_FIRST = [
    "Anna",
    "Karin",
    "Lena",
    "Ingrid",
    "Astrid",
    "Sigrid",
    "Elin",
    "Johanna",
    "Erik",
    "Lars",
    "Johan",
    "Anders",
    "Nils",
    "Olle",
    "Gustav",
    "Magnus",
]
SWEDISH_LAST = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindqvist",
    "Bergström",
]
ENGLISH_FIRST = [
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "George",
    "Charlotte",
    "Arthur",
    "Olivia",
    "Thomas",
    "Emily",
    "James",
    "Hannah",
]
ENGLISH_LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Wilson",
    "Davies",
    "Evans",
    "Thompson",
    "Walker",
    "Robinson",
    "Wright",
    "Hughes",
    "Whitfield",
]

SWEDISH_TEXTS = [
    "Hej, det är {name} här. Leveransen var sen, ring mig på {phone} eller mejla {email}. "
    "Mitt personnummer är {pnr} om ni behöver det.",
    "{first} {last} heter jag. Appen kraschade i kassan. Nå mig på {email} / {phone} ({pnr}).",
    "Kundtjänst svarade aldrig. Jag ({first}) har personnummer {pnr}, telefon {phone}.",
]
ENGLISH_TEXTS = [
    "This is {name}. The parcel never arrived; call me on {phone} or write to {email}. "
    "My Swedish ID is {pnr}.",
    "{first} here ({email}). Checkout crashed twice. Phone {phone}, personal number {pnr}.",
]


def luhn_digit(digits: str) -> str:
    total = 0
    for position, character in enumerate(digits):
        value = int(character) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def personnummer(rng: random.Random) -> str:
    year, month, day = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
    serial = f"{rng.randint(0, 999):03d}"
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial}"
    check = luhn_digit(nine)
    shapes = [
        f"{nine[:6]}-{nine[6:]}{check}",
        f"{year}{month:02d}{day:02d}{serial}{check}",
        f"{year}{month:02d}{day:02d}-{serial}{check}",
    ]
    return rng.choice(shapes)


def phone(rng: random.Random) -> str:
    d = [str(rng.randint(0, 9)) for _ in range(8)]
    mobile = rng.choice("02369")
    shapes = [
        f"07{mobile}-{d[0]}{d[1]}{d[2]} {d[3]}{d[4]} {d[5]}{d[6]}",
        f"07{mobile}{''.join(d[:7])}",
        f"+46 7{mobile} {d[0]}{d[1]}{d[2]} {d[3]}{d[4]} {d[5]}{d[6]}",
        f"08-{d[0]}{d[1]}{d[2]} {d[3]}{d[4]}{d[5]} {d[6]}{d[7]}",
        f"+44 20 7{d[0]}{d[1]}{d[2]} {d[3]}{d[4]}{d[5]}{d[6]}",
        f"+1 212 555 {d[0]}{d[1]}{d[2]}{d[3]}",
        f"0046 8 {d[0]}{d[1]}{d[2]} {d[3]}{d[4]}{d[5]} {d[6]}{d[7]}",
    ]
    return rng.choice(shapes)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str
    pnr: str
    language: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def generate_people(count: int = 50, seed: int = 20261123) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for number in range(count):
        swedish = number % 2 == 0
        first = rng.choice(SWEDISH_FIRST if swedish else ENGLISH_FIRST)
        last = rng.choice(SWEDISH_LAST if swedish else ENGLISH_LAST)
        domain = rng.choice(["example.se", "example.com", "mail.example.org"])
        email = f"{first}.{last}{number}@{domain}".lower().replace("ö", "o")
        people.append(
            Person(first, last, email, phone(rng), personnummer(rng), "sv" if swedish else "en")
        )
    return people


def text_for(person: Person, rng: random.Random) -> str:
    template = rng.choice(SWEDISH_TEXTS if person.language == "sv" else ENGLISH_TEXTS)
    values = person.__dict__ | {"name": person.name}
    return template.format(**values)


def leaks(body: str, people: list[Person]) -> list[str]:
    """Every seeded value found in ``body``."""
    found = []
    lowered = body.lower()
    compact = re.sub(r"[\s\-]", "", body)
    for person in people:
        for name in (person.first, person.last):
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", body, re.IGNORECASE):
                found.append(name)
        if person.email in lowered or person.email.split("@")[0] in lowered:
            found.append(person.email)
        for number in (person.phone, person.pnr):
            digits = re.sub(r"[\s\-+]", "", number)
            if number.lower() in lowered or digits in compact:
                found.append(number)
            if len(digits) == 12 and digits[2:] in compact:  # a personnummer without century
                found.append(number)
    return found


@pytest.fixture
def corpus(session) -> tuple[list[Person], list[int]]:
    people = generate_people()
    rng = random.Random(7)
    customers = [
        make_customer(
            session,
            name=p.name,
            email=p.email,
            phone=p.phone,
            language=p.language,
            consents={"publish_quote": True, "contact": True},
        )
        for p in people
    ]
    statuses = [IssueStatus.DONE, IssueStatus.IN_PROGRESS, IssueStatus.PLANNED]
    issues = [make_issue(session, status=statuses[n % 3]) for n in range(5)]
    for number, (person, customer) in enumerate(zip(people, customers, strict=True)):
        issue = issues[number % len(issues)]
        for _ in range(2):
            item = make_feedback(
                session,
                customer_id=customer.id,
                consent_publish=True,
                text=text_for(person, rng),
                language=person.language,
            )
            link(session, issue, item)
            quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
            publication.approve_quote(session, issue, quote.id, actor_id=None, now=utcnow())
    for number, issue in enumerate(issues):
        person = people[number]
        publish(
            session,
            issue,
            title=f"{person.name} ({person.email}) klagade",
            answer=(
                f"Vi ringde {person.first} på {person.phone} och {people[number + 5].name} på "
                f"{people[number + 5].phone}. Personnummer {person.pnr} är noterat; "
                f"svar skickat till {person.email}. We called {person.last} back."
            ),
        )
    session.commit()
    return people, [issue.id for issue in issues]


def test_the_corpus_really_holds_the_seeded_values(session, corpus):
    """The check below means nothing unless the values are in the database to be leaked."""
    from sqlmodel import select

    from workbench.feedback.models import Feedback

    people, _ = corpus
    stored = " ".join(session.exec(select(Feedback.text)).all())
    assert len(people) == 50
    assert sum(1 for p in people if leaks(stored, [p])) == 50


def test_no_public_page_shows_personal_data(client, corpus):
    people, issue_ids = corpus
    urls = [
        "/transparency?lang=sv",
        "/transparency?lang=en",
        "/transparency",
        "/transparency/feed.atom?lang=sv",
        "/transparency/feed.atom?lang=en",
    ]
    urls += [f"/transparency/issues/{i}?lang={lang}" for i in issue_ids for lang in ("sv", "en")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "[name]" in body or "feed" in url, url  # the quotes and texts are there, masked
        assert leaks(body, people) == [], url


def test_possessives_mistyped_personnummer_and_us_phones_stay_off_public_pages(client, session):
    """Security review 15: "[name] Hanssons" reached the public page; so would a personnummer
    with a wrong check digit and a North American phone number."""
    people = [
        Person(
            "Anna", "Hansson", "anna.hansson@example.se", "(555) 123-4567", "19850412-1234", "sv"
        ),
        Person("Lars", "Nilsson", "lars.n@example.com", "555-987-6543", "850412-1234", "en"),
    ]
    texts = [
        "Anna Hanssons paket kom aldrig. Annas telefon: (555) 123-4567. "
        "Personnummer 19850412-1234.",
        "Hanssons order was late; call Lars's phone 555-987-6543, pnr 850412-1234.",
    ]
    customers = [
        make_customer(session, name=p.name, email=p.email, consents={"publish_quote": True})
        for p in people
    ]
    issue = make_issue(session, status=IssueStatus.DONE)
    for customer, text in zip(customers, texts, strict=True):
        item = make_feedback(session, customer_id=customer.id, consent_publish=True, text=text)
        link(session, issue, item)
        quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
        publication.approve_quote(session, issue, quote.id, actor_id=None, now=utcnow())
    publish(session, issue, title="Anna Hanssons paket", answer=texts[1] + " " + texts[0])
    session.commit()
    for url in (
        "/transparency?lang=sv",
        "/transparency/feed.atom?lang=en",
        f"/transparency/issues/{issue.id}?lang=sv",
    ):
        body = client.get(url).get_data(as_text=True)
        assert "[name]" in body, url
        assert leaks(body, people) == [], url
        assert not re.search(r"(?i)(?<!\w)(annas|hanssons|lars's)(?!\w)", body), url
