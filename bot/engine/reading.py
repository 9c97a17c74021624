"""Reading an outcome report — a command or a sentence — into what it says, part by part.

``spoke, pledged 25k by fri``, ``busy, call back at 6pm``, ``25k pledged``,
``paid 50000 by cheque``, ``Ravi ne 10k diya gpay se``, ``called Meera - no answer, try
kal shaam`` all go through :func:`read_report`. The message is cleaned
(:mod:`bot.engine.normalise`), split into clauses at ``,`` ``;`` `` - `` ``and`` ``.``,
and each clause is read left to right against the tables of
:mod:`bot.engine.vocabulary`, amounts (:func:`~bot.engine.amounts.match_amount`) and
dates (:func:`~bot.engine.when.read_when_prefix`). An amount belongs to the verb next to
it (before or after), a date to the verb that takes one (a pledge's ``by``, a call
back's time). What no rule reads is kept as *unread* words (a contact's name, or words
we could not read), and what was there but wrong (``pledged 0``, ``by 31/02``) as a
*problem*; nothing is guessed. :func:`bot.engine.report.merge` turns a reading into one
outcome with its records.

A correction inside the report (``pledged 25k, sorry 20k``, ``call back at 5, no 6pm``,
``paid 10k upi sorry cash``, ``kal 10 baje nahi 11 baje``, ``paid 5k not 50k``) is read
when the words of :data:`~bot.engine.vocabulary.SELF_CORRECTIONS` stand between two values
of one kind: the later value replaces the earlier (after ``not``, the later is the wrong
one). The report is then soft, so it is read back with the value given up, and written
only on ``yes``. Correction words followed by anything else are unread, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.engine.amounts import AmountError, format_money, match_amount
from bot.engine.normalise import amount_in_words, clean, one_slip
from bot.engine.paid_day import PAST_ONLY, read_paid_day
from bot.engine.vocabulary import (
    CALLBACK_WORDS,
    FILLERS,
    METHODS,
    OUTCOME_WORDS,
    PAID_WORDS,
    PLEDGE_WORDS,
    PRONOUNS,
    SELF_CORRECTIONS,
    SOFT_VERBS,
)
from bot.engine.when import When, read_when_prefix, resolve_day, resolve_moment
from bot.engine.when_rules import WhenError


def _table() -> dict[str, tuple[str, str]]:
    """Every phrase the reader knows: phrase → (kind, value)."""
    # First, so that a phrase of another table that is also a correction word keeps its
    # own meaning.
    table: dict[str, tuple[str, str]] = {p: ("fix", how) for p, how in SELF_CORRECTIONS.items()}
    for outcome, phrases in OUTCOME_WORDS.items():
        table.update({p: ("outcome", outcome) for p in phrases})
    table.update({p: ("pledge", "") for p in PLEDGE_WORDS})
    table.update({p: ("paid", "") for p in PAID_WORDS})
    table.update({p: ("callback", "") for p in CALLBACK_WORDS})
    table.update({p: ("soft", kind) for p, kind in SOFT_VERBS.items()})
    table.update({p: ("method", p) for p in METHODS})
    table.update({p: ("pronoun", p) for p in PRONOUNS})
    return table


PHRASES = _table()
#: One-word verbs and outcomes long enough that a slip in them is still them
#: (``pledgd``, ``recieved``, ``declned``): read as a soft phrase, so read back.
_SLIPPABLE = {
    p: kind
    for p, kind in PHRASES.items()
    if len(p) >= 6 and " " not in p and kind[0] in ("outcome", "pledge", "paid")
}
_PHRASE_RE = re.compile(
    "(?:" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")(?![\w/])"
)
_REFERENCE = re.compile(
    r"(?P<key>utr|upi\s+ref|ref|reference|txn(?:\s+id)?|transaction(?:\s+id)?|rrn|"
    r"(?:cheque|chq|check)\s+(?:no|number|num))\b\.?(?:\s*(?:no|number|id)\b\.?)?"
    r"\s*[:#=-]?\s*(?P<ref>[a-z0-9][a-z0-9/-]*\d[a-z0-9/-]*|\d[a-z0-9/-]*)"
)
_UTR = re.compile(r"\d{12}(?!\d)")
#: Method names that only say the kind ("gpay upi" names one app, "gpay phonepe" two).
_GENERIC_METHODS = {"UPI", "bank", "bank transfer", "cash", "card", "other", None}
#: "asked her for 25k": an ask, not a pledge.
_ASKED_FOR = re.compile(r"ask(?:ed|ing)?\s+(?:\w+\s+)?for\s+(?=₹|rs\b|rs\.|inr\b|\d)")
#: Methods whose paper or transfer has a number of its own (cheque, DD, NEFT …).
DOCUMENT_METHODS = ("cheque", "check", "chq", "dd", "demand draft", "neft", "rtgs", "imps")
#: Right after such a method, a number with a leading zero or of six digits or more and
#: no money mark (``cheque 445566``, ``dd 004512``) is its number, never the amount.
_DOCUMENT_NUMBER = re.compile(
    r"(?:0\d{2,}|\d{6,})(?![\d,.]|\s*(?:k|l|lakhs?|lacs?|cr|crores?|thousand|hazaa?r)\b)"
)
#: ``no. 556677``, ``number 000123``, ``#112233``, ``approval code 123456`` in a payment.
_NUMBERED = re.compile(
    r"(?:dd\s+)?(?:no\b\.?|number\b|#|approval\s+code\b|auth(?:ori[sz]ation)?\s+code\b)"
    r"\s*[:#=-]?\s*(?P<ref>\d[a-z0-9/-]*)"
)
_MONEY_MARK = re.compile(r"₹|rs\b|rs\.|inr\b|\d[\d,.]*\s*(?:k|l|lakh|lakhs|lac|lacs|cr|crore)\b")
_CLAUSES = re.compile(
    r"\s*(?:(?<!\d),|,(?!\d)|[;\n]|\s-\s|\.(?:\s|$)|\b(?:and then|and|then|aur|but|lekin)\b)\s*"
)
_WORD = re.compile(r"\S+")
#: A call the operator means to make, not one that happened: ``remind me to call Meera
#: at 5pm``, ``will call Ravi at 6``, ``need to follow up with Anita``, ``call Vikram on
#: monday``, ``kal call karna hai``. ``remind me at 4pm`` or ``follow up next week`` said
#: of the current contact stay a call's outcome (the donor's call back).
_CALL = r"(?:call|phone|ring|try|chase|follow\s?-?\s?up|reach\s+out|contact|speak|talk)"
_PLAN = re.compile(
    r"\b(?:remind\s+me|reminders?)\s*(?:to|:)\s*" + _CALL + r"\b"
    r"|\bremind\s+me\s+(?:about|abt|for)\b|\byaad\s+dila"
    r"|\badd\s+(?:a\s+)?(?:follow\s?-?\s?up|reminder|call)\b"
    r"|\bschedule\s+(?:a\s+)?call\b|\bset\s+(?:a\s+)?(?:reminder|call)\b"
    r"|^(?:plan|todo|to\s+do)\b|\bfollow\s?-?\s?up\s+with\b"
    r"|\b(?:i\s+will|we\s+will|will|shall|gonna|going\s+to|need\s+to|have\s+to|has\s+to"
    r"|must|should|plan(?:ning)?\s+to|want\s+to|remember\s+to|to)\s+" + _CALL + r"\b"
    r"|\b(?:call|phone|fone|try)\s+(?:karna\s+(?:hai|he|h|padega)|karni\s+hai|karunga|karungi"
    r"|karenge|kar\s+(?:lunga|lungi|lenge|dunga|dungi|denge))\b"
)
#: ``call Vikram on monday``, ``follow up Ravi 1st dec``: a call to make, when the word
#: after the verb is a donor's name (words no rule read). ``call her back monday`` said
#: of the current contact stays the call's outcome.
_IMPERATIVE = re.compile(
    r"^(?:pls\s+|please\s+)?(?:call|phone|ring|ping|chase|contact|follow\s?-?\s?up(?:\s+with)?)"
    r"\s+(\S+)"
)
#: Words of a plan around the call and the donor (``I need to``, ``set a reminder``).
PLAN_WORDS = {
    *("i", "we", "need", "needs", "have", "has", "must", "should", "gonna", "going", "want"),
    *("plan", "planning", "remember", "add", "set", "schedule", "put", "todo", "reminder"),
    *("again", "ring", "ping", "chase", "karunga", "karungi", "karenge", "lunga", "lungi"),
    *("about", "abt"),
}
#: ``Meera ko kal call karna``: a call to make to the donor named before "ko" (after a
#: day, ``somvar ko call karna``, "ko" only dates the call back).
_NAMED_KO_CALL = re.compile(r"(\S+)\s+(?:ji\s+)?ko\b.*\b(?:call|phone|fone)\s+karna\b")
#: Words that make a plan the donor's words (``she asked me to call at 6``, ``he will
#: call back``, ``bola kal call karna``): then it reports a call.
_NOT_A_PLAN = re.compile(
    r"\b(?:asked|asks|told|tells|said|says|wants|wanted|requested|bola|boli|bole|bolo|kaha"
    r"|kahaa|kehta|kehti|keh|bataya|bataye)\b"
    r"|\b(?:she|he|they|donor|wo|woh|vo|voh)\s+(?:will|would|is\s+going\s+to|shall)\b"
)
#: After correction words, a bare hour replaces the time of a call back (``call back
#: tomorrow 11am, actually make it 12``).
_BARE_HOUR = re.compile(r"(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?(?![\w.:/])")
#: Fillers that lead from a verb to whom it was done (``spoke to``, ``baat hui … se``).
_TO_SOMEONE = {"to", "with", "se", "ko", "ne"}
#: Words that start what a verb was done after or about, never whom (``will pay after
#: salary``, ``talked about the project``).
_NOT_SOMEONE = {"after", "before", "about", "during", "while", "because", "till", "until"}
#: Day words that mean yesterday or tomorrow by the verb's tense (``kal``, ``parso``).
_EITHER_WAY = ("kal", "parso", "parson")
#: A past tense in Hinglish (``pledge kiya``, ``bola tha``).
_PAST_TENSE = re.compile(r"\b(?:kiya|kiye|ki\s+thi|tha|thi)\b")
#: Words that make a day a bound, not the day: before it (``before monday``) or after
#: it (``monday se pehle``, ``kal ke baad``).
_BOUNDS = ("before", "after", "since", "until", "till")
#: A bound a few words before a date (``after the wedding on 5th dec``).
_BOUNDS_BEFORE = re.compile(r"\b(?:before|after|till|until)\s+(?:\S+\s+){0,2}$")
_BOUND_AFTER = re.compile(
    r"(?:se\s+(?:pehle|pahle|baad)|ke\s+(?:baad|pehle)|se$|tak\b|before|after)"
)
#: Banks a cheque or transfer names (``cheque 445566 hdfc``): details of the payment.
BANKS = frozenset(
    ("hdfc", "icici", "sbi", "axis", "kotak", "pnb", "canara", "idfc", "indusind", "bob")
)
#: How many times the donor was tried (``2nd attempt``, ``3rd call``, ``teesri baar``),
#: or which of several things (``the 2nd phase``): a count, never a day of the month.
_NTH_TRY = re.compile(
    r"(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|dusri|doosri|teesri)"
    r"\s+(?:attempt|try|time|call|baar|bar|phase|install?ment|kist|part|round|batch|floor|year"
    r"|semester|term|reminder|visit|meeting)s?\b"
)
#: "Dated", before a cheque's or a payment's date (``cheque no. 112233 dt 25/11``).
_DATED = ("dt", "dt.", "dtd", "dated")
#: A length of time said alone, with no "in", "after", "later", "baad" or "mein" to make
#: it a time from now (``20 min``).
_LENGTH_OF_TIME = re.compile(r"[\d.]+\s*[a-z]+")
#: "About" before a length of time (``for almost 20 min``).
_ABOUT = re.compile(r"^(?:almost|about|around|nearly|over|like|approx\.?|roughly|some)\s+")
#: Words beside "check" that make it a request to look (``pls check``, ``check kiya``).
_ASKING = {
    *("pls", "please", "plz", "kindly", "abhi", "i", "maine", "to", "and", "also", "will"),
    *("kiya", "karo", "kar", "karna", "karke", "karein", "karlo", "it", "once", "the"),
    *("if", "whether", "with", "ur", "your", "account", "statement", "bank"),
}
_ABBREV = re.compile(r"\b(rs|dr|mr|mrs|ms|no|st|smt|shri)\.\s", re.IGNORECASE)


@dataclass
class Reading:
    """What a report says; see the module doc."""

    outcomes: list[str] = field(default_factory=list)
    pledge: Decimal | None = None
    paid: Decimal | None = None
    #: The day the payment was made when it was not today (``paid 10k yesterday``), and
    #: the words that said it.
    paid_on: date | None = None
    paid_on_words: str | None = None
    expected_by: date | None = None
    callback: datetime | None = None
    #: The call back is a date said with no verb (``meeting on 5th dec``): a call back
    #: said with its verb later in the report takes its place.
    callback_loose: bool = False
    #: That bare date came after words no rule read (``she had surgery on 24th``): the
    #: story's day, asked about unless a call back said with its verb replaces it.
    callback_story: str | None = None
    callback_asked: bool = False
    method: str | None = None
    method_name: str | None = None
    reference: str | None = None
    unread: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)
    pronoun: bool = False
    #: Money verbs seen (``pledge``, ``paid``), strict or soft; ``strict`` = command phrases.
    verbs: set[str] = field(default_factory=set)
    strict: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    #: Clauses that only tell the story (``she was very warm``, ``her company already
    #: supports another NGO``): no rule read anything in them and nothing in them could
    #: change what is recorded. Kept as the note of a read-back, never dropped silently.
    narrative: list[str] = field(default_factory=list)
    #: The call back is one the operator plans (``remind me to call Meera at 5``), not
    #: a time the donor asked for: alone, it is a follow-up and no call is logged.
    plan: bool = False
    #: Corrections said inside the report (``pledged 25k, sorry 20k``, ``paid 5k not
    #: 50k``): (the value given up, the value kept) as read back. The report they are in
    #: is soft: read back, never written at once.
    corrected: list[tuple[str, str]] = field(default_factory=list)
    #: Correction words waiting for their value, and how they correct (``fix``: the next
    #: value replaces the last; ``deny``: the next value is the wrong one).
    fixing: tuple[str, str] | None = None
    #: The last value read of each kind (``amount``, ``when``, ``method``): the slot it
    #: filled (``pledge``, ``paid``, ``callback``, ``expected_by``, ``method``) and how
    #: it reads back.
    last_values: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Unread words right before or right after a verb or an outcome, with only fillers
    #: between (``Suresh pledged``, ``spoke to zubin``): who did it or to whom, so
    #: never the story around the report.
    roles: list[str] = field(default_factory=list)
    #: The message as read (:func:`~bot.engine.normalise.clean`ed).
    text: str = ""

    @property
    def records_something(self) -> bool:
        """Whether an outcome, an amount, a call-back time or a command phrase was read."""
        return bool(self.outcomes or self.pledge or self.paid or self.callback or self.strict)

    @property
    def says_something(self) -> bool:
        """Whether any outcome, amount (right or wrong), call back or payment detail was read."""
        return bool(
            self.problems
            or self.outcomes
            or self.pledge
            or self.paid
            or self.callback
            or self.callback_asked
            or self.verbs & {"pledge", "paid"}
        )


def split_clauses(text: str) -> list[str]:
    """``"spoke to Anita, pledged 25k - pays fri"`` → three clauses (empty ones dropped)."""
    text = _ABBREV.sub(lambda m: m[1] + " ", text)
    return [part.strip() for part in _CLAUSES.split(text) if part and part.strip()]


def read_report(text: str, now: datetime, tz: ZoneInfo) -> Reading:
    """Read ``text`` clause by clause (see the module doc)."""
    reading = Reading()
    cleaned = reading.text = clean(text)
    if amount_in_words(text):  # "twenty five thousand": read back, never a command
        reading.soft.append("amount in words")
    for clause in split_clauses(cleaned):
        reading.clauses.append(clause)
        before, unread_before = _said(reading), len(reading.unread)
        corrects = reading.fixing is not None  # "pledged 25k, sorry, that was her husband"
        _ClauseReader(reading, clause, now, tz).read()
        if _said(reading) == before and _is_narrative(clause) and not corrects:
            reading.narrative.append(clause)
            del reading.unread[unread_before:]
    _not_story_after_all(reading)
    low = cleaned.lower()
    money = reading.pledge is not None or reading.paid is not None
    if money and _SOMEONE_ELSES_MONEY.search(low):
        reading.problems.append("whose money is it? send the report on the donor who gave it")
    if _COUNTERFACTUAL.search(low):
        reading.problems.append("that is what would have happened, not what did")
    if reading.fixing is not None:  # "pledged 25k actually": nothing after the words
        reading.unread.append(reading.fixing[0])
        reading.fixing = None
    ko = _NAMED_KO_CALL.search(low)
    unread = {w for u in reading.unread for w in u.lower().split()}
    told = _IMPERATIVE.match(low)
    named = any(m and m[1] in unread for m in (ko, told))
    reading.plan = bool(_PLAN.search(low) or named) and not _NOT_A_PLAN.search(low)
    if reading.plan and reading.callback is not None:
        reading.unread = _without_plan_words(reading.unread)
    if "pledge" in reading.verbs and reading.pledge is None:
        reading.problems.append("how much was pledged? (e.g. pledged 25k)")
    if "paid" in reading.verbs and reading.paid is None:
        reading.problems.append("how much was paid? (e.g. paid 10000 upi)")
    return reading


#: Words that may change what a clause around a report means (a negation, a doubt, a
#: condition, money or time the reader did not take): such a clause is never narrative.
_NOT_NARRATIVE = re.compile(
    r"\b(?:not|no|nahi|nahin|nhi|na|never|dont|didnt|wont|cant|cannot|maybe|might|may"
    r"|perhaps|probably|if|unless|sure|confirm\w*|cancel\w*|wait\w*|sorry|actually"
    r"|correct\w*|instead|wrong|only|except|yet|decid\w*|discuss\w*|think\w*|check\w*"
    r"|consult\w*|ask\w*|pending|fail\w*|bounc\w*|return\w*|revers\w*|refund\w*|fake"
    r"|process\w*|await\w*|hold|stop\w*|duplicate|twice|half|partial\w*|rest|remaining"
    r"|balance|instal\w*|shayad|agar|mat|galat|later|baad|kal|parso|week|month|year|hafte"
    r"|hafta|din|mahine|mahina|ghante|ghanta|saal|days?|hours?"
    r"|tomorrow|today|tonight|morning|evening|lakh|lakhs|hazaa?r|thousand|crore|rupees?|rs"
    r"|cheque|upi|cash|gpay|neft|pledge\w*|pa(?:id|y\w*)|donat\w*|gave|give\w*|money"
    r"|amount|receipt|link|call\w*|phone|number|dnc|remove|contact\w*|list|busy|again)\b"
    r"|\d"
)


def _said(reading: Reading) -> tuple[object, ...]:
    """Everything a clause can add to a reading except unread words and pronouns."""
    return (
        len(reading.outcomes),
        reading.pledge,
        reading.paid,
        reading.expected_by,
        reading.callback,
        reading.callback_asked,
        reading.method,
        reading.reference,
        len(reading.problems),
        len([s for s in reading.soft if s not in PRONOUNS]),
        len(reading.strict),
        frozenset(reading.verbs),
    )


def _not_story_after_all(reading: Reading) -> None:
    """Story clauses that may unmake the record (``then said forget it``, ``took it back
    after talking to his wife``) are words no rule read: the report is refused."""
    for clause in list(reading.narrative):
        low = clause.lower().replace("'", "")
        if _REVERSAL.search(low):
            reading.narrative.remove(clause)
            reading.unread.append(clause)


def _is_narrative(clause: str) -> bool:
    """Three words or more, none of which could change what is recorded."""
    low = clause.lower().replace("'", "")
    return len(low.split()) >= 3 and not _NOT_NARRATIVE.search(low)


#: Someone other than the donor (``her husband pledged 25k``): with money said, words
#: left unread that name one may mean the money is theirs.
_RELATIVES = (
    r"husband|wife|son|daughter|brother|sister|father|mother|dad|mom|mum|papa|mummy|friend"
    r"|colleague|boss|behen|beta|beti|pati|patni|bhabhi|dost"
)
_THIRD_PARTY = re.compile(
    rf"\b(?:{_RELATIVES}|partner|family|relative|cousin|nephew|niece|someone|somebody"
    r"|another|other|others|everyone|nobody|pa|secretary|assistant|accountant|receptionist"
    r"|staff|manager)\b"
)
#: Words left unread that may take back, condition or change what a report says: a
#: reversal, a joke or a wish, a condition, per head, another currency, a date or an
#: amount in words the reader did not take.
_REVERSAL = re.compile(
    r"\b(?:withdr\w*|back(?:ed)?\s+out|changed?\s+(?:her|his|their|my)\s+mind"
    r"|reneg\w*|retract\w*|revok\w*|lost|stolen|mistake|error|wrong\w*|fraud\w*|scam\w*"
    r"|test\w*|dummy|suppose|imagine|example|hypothetical\w*|joke|joking|kidding|mazaak"
    r"|jk|prank\w*|lol|lmao|rofl|haha\w*|hehe\w*|wapas"
    r"|someday|sometime|soon|whenever|provided|providing|subject\s+to|condition\w*"
    r"|took\s+(?:it\s+)?back|(?:would|could|should|might)\s+have|wish\w*|forget|never\s*mind"
    r"|each|per|every|har|dollars?|usd|euros?|pounds?|gbp|aed|dirhams?"
    r"|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|\w+teenth|twentieth|thirtieth|hundred|thousand|sarcas\w*|dreams?|zero|nothing|mukar\w*"
    r"|palat\w*|nah|nope|than|less)\b"
)
#: Words that correct: left unread, the message may correct an entry already saved.
_FIX_WORDS = re.compile(
    r"\b(?:"
    + "|".join(re.escape(p) for p in sorted(SELF_CORRECTIONS, key=len, reverse=True))
    + r"|make|change\w*|instead|correct\w*|galat|likha)\b"
)
#: Words beside the rest of a pledge that make it no pledge (undecided, refused, or
#: paid as well).
_REST_UNSURE = re.compile(
    r"\b(?:decid\w*|think\w*|sure|not|no|nahi|nhi|nahin|won'?t|wont|cannot|cant|maybe|might"
    r"|shayad|paid|diya|diye|dia|received|mil\s+gaya|mila|also|bhi|too|cleared|done)\b"
)
#: Someone other than the donor giving (``Meera ke bhai ne 10k diya``, ``her husband
#: paid``, ``paid 10k on behalf of Meera``).
_RELATION = rf"(?:{_RELATIVES}|bhai|bhaiya|didi|neighbou?r)"
_SOMEONE_ELSES_MONEY = re.compile(
    rf"\b(?:ke|ki|ka)\s+{_RELATION}\s+ne\b"
    rf"|\b{_RELATION}\s+(?:has\s+|had\s+|also\s+|just\s+)?"
    r"(?:paid|pledged|gave|given|donated|sent|transferred|committed|diya|diye|dia)\b"
    r"|\bon\s+behalf\s+of\b|\bbehalf\b"
)
#: Money that would have been given (``he would have pledged 50k had his shop done well``).
_COUNTERFACTUAL = re.compile(
    r"\b(?:would|could|might|should)(?:\s+not|nt|n't)?\s+have\s+(?:\w+\s+)?"
    r"(?:pledged|paid|given|donated|sent|transferred|committed)\b"
)
_ARTICLES = {"the", "a", "an", "our", "his", "her", "their", "its"}
#: Money, then "to" before the words: to whom it went (``paid 10k to the govt fund``).
_TO_SOMEONE_ELSE = re.compile(
    r"(?:\d|\bk\b|lakh|thousand|pledged|paid|donated|gave|given|sent|transferred)[^,;]*\bto\b"
    r"(?!.*\b(?:for)\b)"
)
#: Words after which come a date or a time (``by someday``, ``till next quarter``).
_WHEN_WORDS = {"by", "till", "until", "tak", "within"}
#: Words beside a verb that say how, not who (``finally pledged 10k``, ``switched off
#: both times``).
_MANNER = {
    *("finally", "eventually", "happily", "gladly", "kindly", "generously", "immediately"),
    *("also", "then", "very", "really", "quickly", "readily", "instantly", "promptly"),
    *("both", "times", "once", "twice", "thrice", "ultimately", "at", "last"),
}
#: A clause asking the operator for something that changes no record (``send her the
#: link``, ``pls send receipt``, ``link bhej dena``): its words are the report's note.
_REQUEST = re.compile(
    r"(?:pls\s+|please\s+|plz\s+|kindly\s+)?"
    r"(?:(?:send|share|forward)\s+(?:her|him|them|unko|usko)?\s*(?:the\s+|a\s+)?"
    r"(?:upi\s+|payment\s+|pay\s+)?(?:link|receipt|thank\s*you(?:\s+(?:msg|message|note))?"
    r"|thanks|qr(?:\s+code)?|bank\s+details|details)"
    r"|(?:upi\s+|payment\s+)?(?:link|receipt|qr)\s+(?:bhej|send)\s*(?:do|dena|dijiye|karo|kar\s+do)?)"
    r"(?:\s+(?:pls|please|plz|asap|today))?"
)


def is_story(reading: Reading, words: str) -> bool:
    """Whether ``words``, left unread in a report that records something, only tell the
    story around it (``for the school kits``, ``long chat about his daughter's school``)
    and can be kept as its note: never who did it, a doubt, a condition, money or time
    the reader did not take, someone else's money, a reversal, or a name we do not know
    (a capitalised word inside a clause)."""
    low = words.lower().replace("'", "")
    clause = next((c for c in reading.clauses if words in c), words)
    if _REQUEST.fullmatch(clause.lower()):
        return True
    if not low.split() or set(low.split()) <= _MANNER:
        return bool(low.split())
    if not all(w.isalpha() for w in low.split()):  # "p.m", "5th": part of a value
        return False
    if any(words in role for role in reading.roles):
        return False
    if _NOT_NARRATIVE.search(low) or _REVERSAL.search(low) or _FIX_WORDS.search(low):
        return False
    if (reading.pledge or reading.paid) and _THIRD_PARTY.search(low):
        return False
    before = [w for w in clause[: clause.find(words)].lower().split() if w not in _ARTICLES]
    if before and before[-1] in _WHEN_WORDS:  # "by someday", "by the 28th": a date not read
        return False
    if (reading.pledge or reading.paid) and _TO_SOMEONE_ELSE.search(" ".join(before)):
        return False  # "donated 10k to the flood relief fund": whose money it became
    inside = clause.split()[1:] if clause.startswith(words) else clause.split()
    return not any(w[:1].isupper() and w in words.split() for w in inside)


def _slipped(token: str) -> str | None:
    """The phrase of :data:`_SLIPPABLE` that ``token`` is a slip of, if they all mean one
    thing (``pledgd`` is a slip of both "pledge" and "pledged")."""
    if len(token) < 5 or not token.isalpha() or token in PHRASES:
        return None
    found = {PHRASES[p]: p for p in _SLIPPABLE if one_slip(token, p)}
    return next(iter(found.values())) if len(found) == 1 else None


def _without_plan_words(unread: list[str]) -> list[str]:
    """``["need", "Anita Rao"]`` → ``["Anita Rao"]``; ``["Ping Anita"]`` → ``["Anita"]``."""
    kept = (" ".join(w for w in run.split() if w.lower() not in PLAN_WORDS) for run in unread)
    return [run for run in kept if run]


@dataclass
class _ClauseReader:
    """Reads one clause into the shared :class:`Reading`."""

    reading: Reading
    clause: str
    now: datetime
    tz: ZoneInfo
    pending: str | None = None
    loose_amount: Decimal | None = None
    loose_when: tuple[When, str] | None = None
    #: Words naming a day gone by (``yesterday``, ``2 days ago``, ``last monday``): the
    #: payment's day, or unread words when the report has no payment.
    past_day: str | None = None
    #: This clause read the amount paid (its loose date is the payment's day), or a
    #: pledge's verb (``will receive``: an amount with a method is not then a payment).
    paid_here: bool = False
    pledge_said: bool = False
    #: Runs of unread words this clause left, and whether the loose date or the past day
    #: came right after one (``paid 10k for the gala on 30th``: the gala's day).
    unread_here: int = 0
    #: Unread words were left since the last thing read (fillers between them).
    story_since: bool = False
    when_after_story: bool = False
    past_after_story: bool = False
    run: list[str] = field(default_factory=list)
    callback_verb: bool = False
    money_detail: bool = False
    #: The last word read was a method with a number of its own (cheque, DD, NEFT …).
    after_document: bool = False
    #: A verb or outcome was the last thing read (fillers aside), and the unread words
    #: last flushed with only fillers since: for :attr:`Reading.roles`.
    after_verb: bool = False
    last_run: str | None = None
    #: The clause's first unread words, while nothing else was read before them: the
    #: subject when a verb follows (``Suresh ne 10k diya``).
    opening: str | None = None
    read_any: bool = False

    def read(self) -> None:
        low = self.clause.lower()
        shown = self.clause if len(self.clause) == len(low) else low
        pos = 0
        while pos < len(low):
            if low[pos].isspace():
                pos += 1
                continue
            pos = self._step(low, shown, pos)
        self._flush()
        self._settle()

    def _step(self, low: str, shown: str, pos: int) -> int:
        """Read what starts at ``pos``; returns where reading goes on."""
        after_document, self.after_document = self.after_document, False
        asked = _ASKED_FOR.match(low, pos)
        if asked:
            self._flush()
            self.reading.problems.append("an ask is not a pledge: if they pledged, say pledged 25k")
            return asked.end()
        reference = _REFERENCE.match(low, pos) or (
            (_UTR.match(low, pos) or _NUMBERED.match(low, pos)) if self._money_context() else None
        )
        if reference is None and after_document:
            reference = _DOCUMENT_NUMBER.match(low, pos)
        if reference:
            self._not_a_correction()
            group = "ref" if reference.re in (_REFERENCE, _NUMBERED) else 0
            self.reading.reference = shown[reference.start(group) : reference.end(group)].upper()
            key = reference["key"] if reference.re is _REFERENCE else ""
            if key.startswith(("cheque", "chq", "check", "upi")):
                self._method(key.split()[0])
            self.money_detail = True
            return self._after(reference.end())
        phrase = _PHRASE_RE.match(low, pos)
        if phrase and phrase[0] == "check" and self._check_is_a_verb(low, pos, phrase.end()):
            self._not_a_correction()
            self.run.append(shown[pos : phrase.end()])  # "pls check": verify, not a cheque
            return phrase.end()
        if phrase and (pos == 0 or not low[pos - 1].isalnum()):
            self._flush()
            kind, value = PHRASES[phrase[0]]
            verb = kind in ("outcome", "pledge", "paid", "callback") or (
                kind == "soft" and value in ("pledge", "paid", "callback", "spoke")
            )
            if verb:
                self.reading.roles += [r for r in (self.last_run, self.opening) if r]
                self.opening = None
            self.read_any, self.story_since = True, False
            self._phrase(kind, value, phrase[0])
            self.after_verb, self.last_run = verb, None
            return phrase.end()
        nth = _NTH_TRY.match(low, pos)
        if nth and (pos == 0 or not low[pos - 1].isalnum()):
            self._flush()  # "no answer, 2nd attempt": a count of calls, never the 2nd
            return nth.end()
        past = PAST_ONLY.match(low, pos)
        if past and (pos == 0 or not low[pos - 1].isalnum()):
            self._not_a_correction()
            self.past_after_story = self.story_since or self._run_is_story()
            self._flush()
            if self.past_day is not None:
                self._two_days(self.past_day, past[0])
            self.past_day = shown[pos : past.end()]
            return self._after(past.end())
        end = self._bare_hour(low, pos)
        if end:
            return end
        money_first = self._wants_amount() or bool(_MONEY_MARK.match(low, pos))
        readers = (self._amount, self._when) if money_first else (self._when, self._amount)
        for reader in readers:
            end = reader(low, pos)
            if end:
                self.after_verb, self.last_run, self.read_any = False, None, True
                self.story_since = False
                return end
        word = _WORD.match(low, pos)
        assert word is not None
        token = word[0].strip(".,!:-()'\"")
        if token in BANKS and self._money_context():
            # "cheque number 778812, HDFC": the bank it is drawn on, a detail of the money
            self._not_a_correction()
            self.money_detail = True
            end = self._after(word.end())
            self.after_document = after_document  # "cheque SBI 123456": still its number
            return end
        if token == "since":  # "since morning": a time in the past, not one to act on
            self._not_a_correction()
            return self._past(low, word.end())
        more_than = low[word.end() :].lstrip().startswith("than")
        if token == "more" and self.loose_amount is not None and not more_than:
            # "paid 5k, 5k more next week" (not "5k more than last time")
            self._flush()
            self._phrase("soft", "rest", "more")
            return word.end()
        if token == "for" and (lasted := self._duration(low, word.end())):
            # "talked for 10 mins": how long something lasted, never a time to call back
            self._not_a_correction()
            self.run.append(shown[word.start() : lasted].strip())
            return lasted
        slip = _slipped(token)
        if not token or token in FILLERS:
            self._flush()
            if token not in _TO_SOMEONE:  # "talked for a while": no one it was done to
                self.after_verb = False
        elif slip is not None:
            self._flush()
            self._not_a_correction()
            self._slip(slip, token)
        else:
            self._not_a_correction()
            self.run.append(shown[word.start() : word.end()].strip(".,!:;"))
        return word.end()

    def _check_is_a_verb(self, low: str, start: int, end: int) -> bool:
        """``check`` is a cheque after money (``paid 10k check``), but a request to look
        when asked for (``pls check``, ``check kar lo``) or beside another method."""
        before = low[:start].split()[-1:]
        after = low[end:].split()[:1]
        return (
            self.reading.method is not None
            or not before
            or before[0] in _ASKING
            or (bool(after) and after[0] in _ASKING)
        )

    def _slip(self, phrase: str, typed: str) -> None:
        """A verb typed with a slip after a name (``Meera pledgd 8k``): read, never strict."""
        kind, value = PHRASES[phrase]
        self.reading.soft.append(typed)
        if kind == "outcome":
            self.reading.outcomes.append(value)
        else:
            self._verb(kind, strict=False)

    def _duration(self, low: str, pos: int) -> int:
        """The end of a length of time (``10 mins``, ``almost 2 hours``) starting at
        ``pos``, or 0."""
        rest = _ABOUT.sub("", low[pos:].lstrip(), count=1)
        found, used = self._when_prefix(rest)
        only_delta = found.delta is not None and found.day is None and not found.time_set
        return pos + len(low[pos:]) - len(rest) + used if used and only_delta else 0

    def _past(self, low: str, pos: int) -> int:
        self._flush()
        _, used = self._when_prefix(low[pos:].lstrip())
        return pos + (len(low[pos:]) - len(low[pos:].lstrip()) + used if used else 0)

    def _after(self, end: int) -> int:
        self._flush()
        self.after_verb, self.last_run, self.read_any = False, None, True
        self.story_since = False
        return end

    def _money_context(self) -> bool:
        return self.pending == "paid" or self.reading.paid is not None or self.money_detail

    def _wants_amount(self) -> bool:
        if self.pending in ("pledge", "pledge_soft"):
            return self.reading.pledge is None
        return self.pending == "paid" and self.reading.paid is None

    def _phrase(self, kind: str, value: str, phrase: str) -> None:
        if kind == "fix":
            self._correcting(phrase, value)
            return
        if kind != "method":  # a method may be the correction's value
            self._not_a_correction()
        if kind == "outcome":
            self.reading.outcomes.append(value)
            self.reading.strict.append(phrase)
        elif kind in ("pledge", "paid", "callback"):
            self.reading.strict.append(phrase)
            self._verb(kind, strict=True)
        elif kind == "soft":
            self.reading.soft.append(phrase)
            if value in ("pledge", "paid", "callback"):
                self._verb(value, strict=False)
            elif value == "spoke":
                self.reading.outcomes.append("spoke")
            elif value == "rest":
                # "rest by month end" dates the pledge; "paid 5k, 20k baaki" is a pledge
                # of the two together
                self.pending = "rest"
                if self.loose_amount is not None and self._rest_of_pledge(self.loose_amount):
                    self.loose_amount = None
        elif kind == "method":
            self._method(value)
        elif kind == "pronoun":
            self.reading.pronoun = True
            self.reading.soft.append(phrase)

    def _verb(self, kind: str, *, strict: bool) -> None:
        self.pledge_said = self.pledge_said or kind == "pledge"
        if kind == "pledge" and not strict:
            # "pays friday" after a pledge dates it; "dega 10k" is itself a pledge.
            self.pending = "pledge_soft"
            if self.loose_amount is not None and self.reading.pledge is None:
                self._set_amount("pledge", self.loose_amount)
                self.loose_amount = None
            return
        if kind == "callback":
            self.pending, self.callback_verb = "callback", True
            if self.loose_when is not None and self.reading.callback is None:
                self._callback(*self.loose_when)  # "kal shaam call karna"
                self.loose_when = None
            return
        self.pending = kind
        self.reading.verbs.add(kind)
        if self.loose_amount is not None:
            self._amount_for(kind, self.loose_amount)
            self.loose_amount = None

    def _method(self, phrase: str) -> None:
        method, name = METHODS[phrase]
        self.money_detail = True
        self.after_document = phrase in DOCUMENT_METHODS

        def replace(_slot: str) -> None:
            self.reading.method, self.reading.method_name = method, name
            self.reading.last_values["method"] = ("method", name)

        if self._fixed("method", name, replace):
            return
        first = self.reading.method_name or self.reading.method
        apps = first not in _GENERIC_METHODS and name not in _GENERIC_METHODS and first != name
        if self.reading.method is not None and (self.reading.method != method or apps):
            self.reading.problems.append(f"two payment methods ({first}, {name}) – which one?")
        if self.reading.method == method and name in _GENERIC_METHODS:
            name = self.reading.method_name or name  # "gpay upi", "upi gpay": the app's name
        self.reading.method, self.reading.method_name = method, name
        self.reading.last_values["method"] = ("method", name)

    def _amount(self, low: str, pos: int) -> int:
        try:
            found = match_amount(low[pos:])
        except AmountError as exc:
            self.reading.problems.append(str(exc))
            word = _WORD.match(low, pos)
            return word.end() if word else len(low)
        if found is None:
            return 0
        self._flush()
        value, used = found

        def replace(slot: str) -> None:
            if slot == "rest" and self.reading.paid is not None:
                self._set_amount("pledge", self.reading.paid + value)
                self.reading.last_values["amount"] = ("rest", format_money(value))
            elif slot == "loose":
                self.loose_amount = value
                self.reading.last_values["amount"] = ("loose", format_money(value))
            else:
                self._set_amount(slot, value)

        if self.reading.fixing is not None and self._unclear_amount_fix(low[pos : pos + used]):
            return pos + used
        if self._fixed("amount", format_money(value), replace):
            return pos + used
        if self.pending == "rest" and self._rest_of_pledge(value):
            return pos + used
        if self.pending in ("pledge", "pledge_soft", "paid") and self._wants_amount():
            self._amount_for("pledge" if self.pending != "paid" else "paid", value)
        elif self.loose_amount is None:
            self.loose_amount = value
            self.reading.last_values["amount"] = ("loose", format_money(value))
        else:
            self.reading.problems.append(
                f"two amounts ({format_money(self.loose_amount)}, {format_money(value)})"
            )
        return pos + used

    def _rest_of_pledge(self, rest: Decimal) -> bool:
        """``paid 5k, rest 20k by friday``: the pledge is what was paid and the rest."""
        reading = self.reading
        if reading.paid is None or reading.pledge is not None:
            return False
        self._set_amount("pledge", reading.paid + rest)
        reading.soft.append(f"rest {format_money(rest)}")
        if _REST_UNSURE.search(self.clause.lower()):
            # "the remaining 20k she will decide", "rest 20k also paid in cash"
            reading.problems.append(f"is the rest of {format_money(rest)} pledged?")
        # "rest 15k sorry 20k" corrects the rest, not the pledge it adds up to
        reading.last_values["amount"] = ("rest", format_money(rest))
        return True

    def _amount_for(self, kind: str, value: Decimal) -> None:
        current = self.reading.pledge if kind == "pledge" else self.reading.paid
        if current is not None and current != value:
            self.reading.problems.append(f"two {kind} amounts")
        else:
            self._set_amount(kind, value)

    def _set_amount(self, kind: str, value: Decimal) -> None:
        if kind == "pledge":
            self.reading.pledge = value
        else:
            self.reading.paid = value
            self.paid_here = True
        self.reading.last_values["amount"] = (kind, format_money(value))

    def _when(self, low: str, pos: int) -> int:
        try:
            found, used = read_when_prefix(low[pos:], self.now.astimezone(self.tz).date())
        except WhenError as exc:
            self.reading.problems.append(str(exc))
            word = _WORD.match(low, pos)
            return word.end() if word else len(low)
        if not used:
            return 0
        after_story = (self.story_since or self._run_is_story()) and (
            " ".join(self.run).lower() not in _DATED
        )
        self._flush()
        words = self.clause[pos : pos + used].strip()
        if self._fixed_when(found, words):
            return pos + used
        if self._second_day(found, words):
            return pos + used
        if self.pending == "callback" and after_story and _BOUNDS_BEFORE.search(low[:pos]):
            # "call her after the wedding on 5th dec": the wedding's day, or the call's?
            self.reading.problems.append(f"is “{words}” when to call back?")
        elif self.pending == "callback":
            self._callback(found, words)
        elif self.pending in ("pledge", "pledge_soft", "rest"):
            self._due(found, words)
        elif self._pledge_payment_date():
            # "pledged 20k, payment by 12/12": when the pledge will be paid, read back
            self.reading.verbs.discard("paid")
            self.reading.soft.append(words)
            self._due(found, words)
        elif _LENGTH_OF_TIME.fullmatch(words.lower()) and found.delta is not None:
            # "chatted 20 min", "almost 20 min": how long, not when to call back
            self.run.append(words)
        else:
            if self.loose_when is not None:  # "paid 10k on monday or tuesday"
                self._two_days(self.loose_when[1], words)
            self.loose_when, self.when_after_story = (found, words), after_story
        return pos + used

    def _paid_on(self, words: str, *, beside: bool = True) -> None:
        """Date the payment ``words`` says it was made on (read back, never at once).

        Asked instead when the day is not ``beside`` the payment (story words between,
        or in a clause of its own with other words) or is a bound (``before monday``,
        ``monday se pehle``, ``since kal``).
        """
        before, after = self._beside(words)
        if not beside or before in _BOUNDS or _BOUND_AFTER.match(after):
            self.reading.problems.append(f"is “{words}” the day it was paid?")
            return
        today = self.now.astimezone(self.tz).date()
        try:
            day = read_paid_day(words, today)
        except WhenError as exc:
            self.reading.problems.append(str(exc))
            return
        if self.reading.paid_on is not None and self.reading.paid_on != day:
            self._two_days(self.reading.paid_on_words or "", words)
        elif day != today:
            self.reading.paid_on, self.reading.paid_on_words = day, words
            self.reading.soft.append(words)

    def _second_day(self, found: When, words: str) -> bool:
        """A second, different call-back time or pledge date (``call back monday or
        tuesday``, ``by friday or monday``): asked, never the last one kept. A call back
        read from a bare date earlier (``meeting on 5th dec, call on 7th``) gives way."""
        reading = self.reading
        if self.pending == "callback" and reading.callback is not None:
            if reading.callback_loose:
                reading.callback, reading.callback_loose = None, False
                reading.callback_story = None
                return False
            try:
                same = resolve_moment(found, words, self.now, self.tz) == reading.callback
            except WhenError:
                same = False
        elif self.pending in ("pledge", "pledge_soft", "rest") and reading.expected_by:
            try:
                same = resolve_day(found, words, self.now, self.tz) == reading.expected_by
            except WhenError:
                same = False
        else:
            return False
        if not same:
            self._two_days(reading.last_values.get("when", ("", ""))[1], words)
        return True

    def _two_days(self, first: str, second: str) -> None:
        self.reading.problems.append(f"two days or times (“{first}”, “{second}”) – which one?")

    def _beside(self, words: str) -> tuple[str, str]:
        """The word before ``words`` in the clause and the two after them (lower case)."""
        low = self.clause.lower()
        at = low.find(words.lower())
        if at < 0:
            return "", ""
        before = low[:at].split()[-1:]
        return (before[0] if before else ""), " ".join(low[at + len(words) :].split()[:2])

    def _pledge_payment_date(self) -> bool:
        """A date right after "payment" with no amount paid, in a report of a pledge."""
        reading = self.reading
        return (
            self.pending == "paid"
            and reading.paid is None
            and reading.pledge is not None
            and reading.expected_by is None
        )

    def _callback(self, found: When, words: str) -> None:
        try:
            self.reading.callback = resolve_moment(found, words, self.now, self.tz)
        except WhenError as exc:
            self.reading.problems.append(str(exc))
        self.reading.last_values["when"] = ("callback", words)

    def _due(self, found: When, words: str) -> None:
        after = self._beside(words)[1].split()[:1]
        ahead = bool(after) and after[0].strip(".,!") in ("tak", "ko")  # "kal tak": by tomorrow
        if words.lower() in _EITHER_WAY and not ahead and _PAST_TENSE.search(self.clause.lower()):
            # "kal 10k pledge kiya": pledged yesterday, or to pay tomorrow?
            self._not_guessed(f"“{words}”: yesterday or tomorrow? say kal tak, or the date")
            return
        try:
            self.reading.expected_by = resolve_day(found, words, self.now, self.tz)
        except WhenError as exc:
            self.reading.problems.append(str(exc))
        self.reading.last_values["when"] = ("expected_by", words)

    # -- corrections inside the report ("pledged 25k, sorry 20k", "paid 5k not 50k") --

    def _correcting(self, words: str, how: str) -> None:
        """Correction words: they wait for a value of the kind read last."""
        reading = self.reading
        if not reading.last_values:
            self.run.append(words)  # nothing before them to correct: read as before
        elif reading.fixing is None:
            reading.fixing = (words, how)
        else:  # "no sorry", "actually make it", "sorry, not …"
            said, before = reading.fixing
            reading.fixing = (f"{said} {words}", "deny" if "deny" in (how, before) else "fix")

    def _fixing(self, slot: str) -> bool:
        last = self.reading.last_values.get("when")
        return self.reading.fixing is not None and last is not None and last[0] == slot

    def _not_a_correction(self) -> None:
        """Anything but a value after correction words: the words were not a correction
        (``pledged 25k, no rush``) and stay unread, as any word no rule reads."""
        if self.reading.fixing is not None:
            self._flush()
            self.reading.unread.append(self.reading.fixing[0])
            self.reading.fixing = None

    def _fixed(self, kind: str, shown: str, replace: Callable[[str], None]) -> bool:
        """Whether the value just read completes a correction (then it is applied)."""
        reading = self.reading
        last = reading.last_values.get(kind)
        if reading.fixing is None:
            return False
        if last is None:
            self._not_a_correction()
            return False
        words, how = reading.fixing
        reading.fixing = None
        reading.soft.append(words)
        if how == "deny":  # "paid 5k not 50k": the value just read is the wrong one
            reading.corrected.append((shown, last[1]))
        else:
            replace(last[0])
            reading.corrected.append((last[1], shown))
        return True

    def _unclear_amount_fix(self, typed: str) -> bool:
        """An amount after correction words that cannot say which it replaces or what it
        counts: with a pledge and a payment both said (``pledged 25k, paid 5k, sorry
        20k``), or a bare number under 1,000 against one in thousands (``pledged 25k,
        sorry 2.5``: ₹2.50 or 2.5k?). Asked about; nothing is guessed."""
        reading = self.reading
        last = reading.last_values.get("amount")
        if last is None:
            return False
        both = reading.pledge is not None and reading.paid is not None
        if both and last[0] != "rest":  # "rest 15k sorry 20k" says which
            self._not_guessed(f"does {typed.strip()} correct the pledge or the payment?")
            return True
        value = match_amount(typed)
        if re.fullmatch(r"[\d.]+", typed.strip()) and value and value[0] < 1000:
            self._not_guessed(f"{typed.strip()} – in rupees or thousands? say it with k or ₹")
            return True
        return False

    def _when_prefix(self, text: str) -> tuple[When, int]:
        """:func:`read_when_prefix` of ``text`` today, or nothing read (``used`` 0) when
        the words are a time that cannot be (a look ahead, not a reading: no problem)."""
        try:
            return read_when_prefix(text, self.now.astimezone(self.tz).date())
        except WhenError:
            return When(), 0

    def _bare_hour(self, low: str, pos: int) -> int:
        """A bare hour after correction words of a call back (``call back tomorrow 11am,
        actually make it 12``): where reading goes on, or 0 when it is not one. An hour
        that could be a length of time or an amount is asked about, not guessed."""
        if not self._fixing("callback"):
            return 0
        bare = _BARE_HOUR.match(low, pos)
        found, used = self._when_prefix(low[pos:])
        if bare is None or (used and (found.time_set or found.part is not None)):
            return 0  # "sorry 8 pm": the time as said
        said, _ = self._when_prefix(self.reading.last_values["when"][1].lower())
        if said.delta is not None:  # "call back in 2 hours, sorry 3": 3 PM or in 3 hours?
            self._not_guessed(f"does “{bare[0]}” mean a time or how long from now?")
            return self._after(bare.end())
        if "amount" in self.reading.last_values:  # "call back at 5, pledged 10k sorry 6"
            self._not_guessed(f"does “{bare[0]}” correct the time or the amount?")
            return self._after(bare.end())
        hour = When(bare=(int(bare[1]), int(bare[2] or 0)))
        return self._after(bare.end()) if self._fixed_when(hour, bare[0]) else 0

    def _not_guessed(self, problem: str) -> None:
        """Correction words whose value cannot say what it corrects: the problem is the
        answer, and the words are spent."""
        self.reading.problems.append(problem)
        self.reading.fixing = None

    def _fixed_when(self, found: When, words: str) -> bool:
        """A time or date correcting the last one; a time alone keeps the call back's day
        (``call back tomorrow 11am, actually 12`` is tomorrow at noon) and a day alone its
        time (``call back monday 4pm, sorry tuesday`` is Tuesday at 4 PM)."""

        both = self.reading.callback is not None and self.reading.expected_by is not None
        if both and self.reading.fixing is not None:
            # "pledged 25k by friday, call back monday, sorry, by saturday": which date?
            self._not_guessed(f"does “{words}” correct the pledge's date or the call back?")
            return True

        def replace(slot: str) -> None:
            old = self.reading.callback
            if slot == "expected_by":
                self._due(found, words)
                return
            said, used = self._when_prefix(self.reading.last_values["when"][1].lower())
            if old is not None and used:
                local = old.astimezone(self.tz)
                if found.day is None and found.delta is None and said.day is not None:
                    found.day = local.date()
                elif (
                    not found.time_set
                    and found.part is None
                    and found.delta is None
                    and (said.time_set or said.part is not None)
                ):
                    found.clock = local.time().replace(tzinfo=None)
            self._callback(found, words)

        return self._fixed("when", words, replace)

    def _flush(self) -> None:
        if self.run:
            words = " ".join(self.run)
            self.reading.unread.append(words)
            self.unread_here += 1
            story = self._run_is_story()
            if self.after_verb and self.run[0].lower() not in _NOT_SOMEONE:
                self.reading.roles.append(words)
            if not self.read_any and self.opening is None:
                self.opening = words
            self.story_since = self.story_since or story
            self.after_verb, self.last_run, self.run = False, words, []

    def _run_is_story(self) -> bool:
        """Whether the unread words being gathered tell the story around the report: not
        who did it or to whom (before anything is read, ``Vikram Singh ne kal 5k diya``,
        ``plan to ring Meera``; or right after a verb, ``spoke to zubin``)."""
        if not (self.run and self.read_any):
            return False
        return not (self.after_verb and self.run[0].lower() not in _NOT_SOMEONE)

    def _settle(self) -> None:
        """Place what the clause left loose: an amount without a verb, a date without one."""
        reading = self.reading
        if self.loose_amount is not None:
            after_payment = self.pending is None and reading.paid is not None and not reading.pledge
            if self.loose_when is not None and (self.pending == "paid" or after_payment):
                # "paid 5k yesterday and 5k on monday": a second payment, or a pledge?
                reading.problems.append(
                    f"is {format_money(self.loose_amount)} “{self.loose_when[1]}” paid or pledged?"
                )
                self.loose_when = None
            elif self.loose_when is not None and not self.loose_when[0].time_set:
                if reading.pledge is None:
                    self._set_amount("pledge", self.loose_amount)
                reading.soft.append("amount with a date")
                self._due(*self.loose_when)
                self.loose_when = None
            elif self.money_detail and reading.paid is None and not self.pledge_said:
                self._set_amount("paid", self.loose_amount)
                reading.soft.append("amount with a method")
            else:
                reading.problems.append(
                    f"is {format_money(self.loose_amount)} pledged or paid? "
                    f"(e.g. pledged {format_money(self.loose_amount)})"
                )
        if self.loose_when is not None:
            found, words = self.loose_when
            if (
                reading.pledge is not None
                and reading.expected_by is None
                and not found.time_set
                and not self.paid_here  # "25k pledge kiya, 5k kal diya": the payment's day
                and not self.when_after_story  # "she's travelling on 1st dec"
            ):
                reading.soft.append(words)
                self._due(found, words)
            elif reading.paid is not None and reading.callback is None:
                # "paid 10000 on 25/11", "kal diya": when it was paid, not when to call
                # back; "today" and "at 5" are when it is recorded anyway
                today = self.now.astimezone(self.tz).date()
                if found.delta is not None:
                    reading.problems.append(f"“{words}” is ahead: money to come is a pledge")
                # the day is the payment's when said in its clause, or alone in one
                own = self.paid_here or not self.unread_here
                beside = own and not self.when_after_story
                if not beside and (found.day or today) > today:
                    # "got the cheque today. will deposit on monday": a plan of its own
                    reading.unread.append(words)
                elif (found.day or today) != today:
                    self._paid_on(words, beside=beside)
            elif reading.callback is None:
                reading.soft.append(words)
                self._callback(found, words)
                reading.callback_loose = True
                if self.when_after_story:  # "she had surgery on 24th": the story's day
                    reading.callback_story = words
            else:
                reading.problems.append(f"what is “{words}” for?")
        if self.past_day is not None:
            if reading.paid is not None and reading.paid_on is None:
                # "paid 10k. yesterday was her birthday": the day of something else
                beside = not self.past_after_story and (self.paid_here or not self.unread_here)
                self._paid_on(self.past_day, beside=beside)
            else:  # "not picking up since yesterday": no payment to date
                reading.unread.append(self.past_day)
        if self.callback_verb and reading.callback is None:
            reading.callback_asked = True
