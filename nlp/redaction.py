"""Masking personal data in free text before it is shown in public.

Each detector finds candidates with a regular expression and, where a checksum exists, keeps
only the valid ones (Luhn for cards, mod 97 for IBANs). Detectors run from the most to the least
specific, and a span taken by one is never matched by another, so "070-123 45 67" is one phone
number and not a personal identity number.

Masking errs on the side of the customer. A Swedish personal identity number (personnummer) with
a typo in its check digit still identifies the person, so one is masked by its shape alone (a
plausible date, then four digits), and any number of 6 to 12 digits announced as one ("pnr",
"personnummer", "personal identity number" …) is masked whatever its shape. The price is that a
ten-digit order or receipt number that happens to start with a date is masked too.

Prices, dates, times, version numbers and other order numbers have no detector that could take
them: none starts with 0 or +, groups digits as 3-3-4 like a North American phone, has a
personnummer's shape (ten or twelve digits, a date first) or passes a check. Dates such as
"2026-11-03" stay: eight digits in three groups are no personnummer, and a date alone names
nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PLACEHOLDERS = {
    "url": "[url]",
    "email": "[email]",
    "iban": "[iban]",
    "card": "[card]",
    "personnummer": "[personnummer]",
    "phone": "[phone]",
    "handle": "[handle]",
    "name": "[name]",
}

_TRAILING_PUNCTUATION = ".,;:!?)]}'\""
_LAST_GROUP = re.compile(r"[ -][^ -]*$")

_URL_WITH_QUERY = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']*\?[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(
    r"(?<![\d-])(?:\d{4}[ -]){3}\d{4}(?:[ -]?\d{1,3})?(?![\d-])"  # 4-4-4-4(-3)
    r"|(?<![\d-])\d{4}[ -]\d{6}[ -]\d{4,5}(?![\d-])"  # American Express, Diners
    r"|(?<![\d-])\d{13,19}(?![\d-])"
)
# With a separator or a century the shape alone is telling; ten bare digits come after phones.
_PERSONNUMMER_MARKED = re.compile(r"(?<![\d-])(?:(?:19|20)\d{6}[-+]?|\d{6}[-+])\d{4}(?![\d-])")
_PERSONNUMMER_BARE = re.compile(r"(?<![\d-])\d{10}(?![\d-])")
# A number announced as a personnummer, in Swedish or English: the word, then only punctuation,
# spaces and a linking verb ("Mitt personnummer är …", "pnr: …", "… number is …"), then 6 to 12
# digits. Other words in between end it, so "pnr saknas, order 4821356" keeps its order number.
_PERSONNUMMER_WORDS = (
    r"person(?:nummer|numret|numren|nr)\w*|pers\.?[ ]?nr|p\.?-?nr"
    r"|samordningsn(?:umme)?r\w*|coordination[ ]number"
    r"|personal[ ](?:identity[ ]|identification[ ]|id[ ])?(?:number|no\b)"
    r"|civic[ ]registration[ ]number|(?:swedish|national)[ ]id(?:entity)?(?:[ ]number)?"
    r"|social[ ]security[ ]number"
)
_PERSONNUMMER_ANNOUNCED = re.compile(
    rf"\b(?:{_PERSONNUMMER_WORDS})\b(?:[^\w\n]|\b(?:är|var|blir|lyder|is|was)\b){{0,12}}"
    r"(?P<number>\d{2,12}(?:[-+]\d{1,5}|[ ]\d{4})?)(?!\d)",
    re.IGNORECASE,
)
# After the country code and area, groups have two digits or more: "+46 70 123 45 67 3 gånger"
# ends before the 3.
_PHONE_INTERNATIONAL = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}(?:[ -]?\(\d{1,4}\))?[ -]?\d{1,4}(?:[ -]?\d{2,4}){1,4}(?![\d-])"
)
# "(555) 123-4567", "555-123-4567", "1-555-123-4567": three, three and four digits.
_PHONE_NORTH_AMERICAN = re.compile(
    r"(?<![\w+.-])(?:1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])"
)
_PHONE_SWEDISH = re.compile(
    r"(?<![\w.-])0[1-9]\d{0,2}(?:[- ]?\d{2,3})(?:[ ]?\d{2,3}){1,2}(?![\d-])"
)
_PHONE_SWEDISH_BARE = re.compile(r"(?<![\w.-])0[1-9]\d{7,8}(?![\d-])")
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")


def luhn_valid(digits: str) -> bool:
    """True when the last digit is the Luhn check digit of the ones before it."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """The ISO 13616 mod-97 check."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(character, 36)) for character in rearranged)
    return int(number) % 97 == 1


def personnummer_shaped(text: str) -> bool:
    """A Swedish personal identity (or coordination) number's shape: ten digits, a date first.

    The check digit is not checked: a mistyped personnummer still points at a person.
    """
    digits = re.sub(r"[-+]", "", text)
    digits = digits[2:] if len(digits) == 12 else digits
    if len(digits) != 10:
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    if day > 60:
        day -= 60  # coordination numbers add 60 to the day
    return 1 <= month <= 12 and 1 <= day <= 31


def _digit_count(text: str) -> int:
    return sum(character.isdigit() for character in text)


@dataclass(frozen=True)
class _Detector:
    kind: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool] = lambda _text: True
    trim_to_valid: bool = False
    group: int | str = 0  # the part of the match to mask ("pnr 8504…" keeps "pnr")


_DETECTORS = (
    _Detector("url", _URL_WITH_QUERY),
    _Detector("email", _EMAIL),
    _Detector("iban", _IBAN, iban_valid, trim_to_valid=True),
    _Detector(
        "card", _CARD, lambda text: luhn_valid(re.sub(r"[ -]", "", text)), trim_to_valid=True
    ),
    _Detector(
        "personnummer",
        _PERSONNUMMER_ANNOUNCED,
        lambda text: 6 <= _digit_count(text) <= 12,
        group="number",
    ),
    _Detector("personnummer", _PERSONNUMMER_MARKED, personnummer_shaped),
    _Detector("phone", _PHONE_INTERNATIONAL, lambda text: 8 <= _digit_count(text) <= 15),
    _Detector("phone", _PHONE_NORTH_AMERICAN),
    _Detector("phone", _PHONE_SWEDISH, lambda text: 8 <= _digit_count(text) <= 10),
    _Detector("phone", _PHONE_SWEDISH_BARE),
    _Detector("personnummer", _PERSONNUMMER_BARE, personnummer_shaped),
    _Detector("handle", _HANDLE),
)


# The genitive: Swedish "Annas", "Anna Hanssons", English "Anna's". Masked with the name, or the
# "s" would leave "[name] Hanssons" half in clear. A two-letter name then also takes a word
# such as "hus" (for a customer called Hu): over-masking a word is the safe side.
_POSSESSIVE = r"(?:['\u2019]?s)?"  # also with a typographic apostrophe


def _name_patterns(names: Iterable[str]) -> list[re.Pattern[str]]:
    """Whole names first (longest first), then their parts of two letters or more."""
    full = {" ".join(name.split()) for name in names if name and name.strip()}
    parts = {part for name in full for part in name.split() if len(part) >= 2}
    ordered = sorted(full, key=len, reverse=True) + sorted(parts - full, key=len, reverse=True)
    return [
        # Not inside a placeholder either: a customer called Iban must leave "[iban]" alone.
        re.compile(
            r"(?<![\w\[])"
            + r"\s+".join(map(re.escape, name.split()))
            + _POSSESSIVE
            + r"(?![\w\]])",
            re.I,
        )
        for name in ordered
    ]


def _trim(kind: str, text: str) -> str:
    if kind == "url":
        text = text.rstrip(_TRAILING_PUNCTUATION)
        # "…/retur?" ending a question has no query: only a "?" with something after it counts.
        return text if "?" in text and not text.endswith("?") else ""
    return text


def find_personal_data(text: str, names: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """The spans of personal data in ``text``, as (start, end, kind), sorted and disjoint.

    Parameters
    ----------
    text : str
        Free text, in any language.
    names : iterable of str
        People's names to find as whole words, case-insensitively, also part by part.

    Returns
    -------
    list of tuple
        ``(start, end, kind)`` with ``kind`` one of the keys of ``PLACEHOLDERS``.
    """
    taken: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= other_start or start >= other_end for other_start, other_end, _ in taken)

    for detector in _DETECTORS:
        for match in detector.pattern.finditer(text):
            candidate = _trim(detector.kind, match.group(detector.group))
            if detector.trim_to_valid:
                # A spaced IBAN may run on into a word in capitals, a card number into its
                # expiry date or CVC: drop trailing groups until the checksum holds.
                while candidate and not detector.valid(candidate) and _LAST_GROUP.search(candidate):
                    candidate = _LAST_GROUP.sub("", candidate)
            if not candidate or not detector.valid(candidate):
                continue
            start = match.start(detector.group)
            end = start + len(candidate)
            if free(start, end):
                taken.append((start, end, detector.kind))
    for pattern in _name_patterns(names):
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                taken.append((match.start(), match.end(), "name"))
    return sorted(taken)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """Mask personal data in ``text`` with placeholders such as ``[email]`` and ``[name]``.

    Masks e-mail addresses, phone numbers (Swedish, North American and international), Swedish
    personal identity and coordination numbers (by their shape, whatever the check digit, and any
    number announced as one), card numbers (Luhn-checked), IBANs (mod 97), URLs with a query
    string, @handles and the given ``names`` (also in the genitive: "Annas", "Anna's"); leaves
    prices, dates, times, order and version numbers alone.

    Parameters
    ----------
    text : str
        Free text, in any language.
    names : iterable of str
        People's names to mask (the customer register's, for example).

    Returns
    -------
    str
        The text with each item replaced by its placeholder; everything else unchanged.
    """
    pieces: list[str] = []
    position = 0
    for start, end, kind in find_personal_data(text, names):
        pieces.append(text[position:start])
        pieces.append(PLACEHOLDERS[kind])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
