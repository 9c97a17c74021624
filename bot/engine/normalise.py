"""Cleaning an operator's message before it is read: what is decoration, what is meaning.

==================================== ==================================================
what the operator typed              what the reader sees
==================================== ==================================================
``Pledged 25k by fri 🙏``             ``Pledged 25k by fri`` (emoji and symbols dropped)
``next pls``, ``undo thanks ji``      ``next``, ``undo`` (trailing politeness dropped)
``pls next``, ``ok next``             ``next`` (leading politeness dropped)
``pledged25k``, ``paid₹500``          ``pledged 25k``, ``paid ₹500`` (verb and amount apart)
``busy na``, ``OK na``                ``busy``, ``OK`` (the tag "na", "right?", dropped;
                                      ``na`` alone, after a comma, in capitals or after
                                      a name — ``Meera NA`` — is "no answer")
``PAID 10K``                          ``paid 10k`` for matching (case folded; names and
                                      references keep their case)
``₹२५,०००``, ``“quotes”``, ``–``      ``₹25,000``, ``"quotes"``, ``-``
``कल शाम``, ``१० हज़ार दिए``            ``kal shaam``, ``10 hazar diye`` (common Hindi words
                                      in Devanagari read as their Hinglish spelling;
                                      Devanagari names are kept)
``ek lakh``, ``dedh lakh``,           ``1 lakh``, ``1.5 lakh``, ``25 hazaar``, ``3.5
``pachees hazaar``, ``saade teen      lakh`` (Hindi number words, only before lakh,
lakh``, ``do hafte``                  hazaar, thousand, crore, or hafte, din, mahine,
                                      ghante, saal: ``2 hafte``)
==================================== ==================================================

Fillers (``by``, ``via``, ``through``, ``on``, ``to``, ``tak``, ``ko``, ``baje``,
``hai``, ``se``, ``ne`` …) are not removed here: the reader skips them where they are
fillers (:data:`bot.engine.vocabulary.FILLERS`) and reads them where they mean something
(``baje`` after an hour).
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})
#: An aside in brackets is its own clause: ``switched off (Ravi)``, ``paid 5k (ref 6123…)``.
_BRACKETS = re.compile(r"\s*\(\s*([^()]*?)\s*\)")
#: Hindi number words, read as digits before a unit (``ek lakh``, ``pachees hazaar``).
HINDI_NUMBERS = {
    **{"ek": "1", "do": "2", "teen": "3", "char": "4", "chaar": "4", "paanch": "5"},
    **{"panch": "5", "chhe": "6", "che": "6", "saat": "7", "aath": "8", "nau": "9"},
    **{"das": "10", "bees": "20", "pachees": "25", "pachis": "25", "tees": "30"},
    **{"chalis": "40", "chaalis": "40", "pachas": "50", "pachaas": "50"},
    **{"dedh": "1.5", "dhai": "2.5", "dhaai": "2.5", "adhai": "2.5", "sawa": "1.25"},
    **{"sava": "1.25"},
}
_UNIT_WORD = (
    r"(?=\s+(?:lakhs?|lacs?|hazaa?r|hajar|thousand|crores?"
    r"|hafte|hafta|din|dino|mahine|mahina|ghante|ghanta|saal)\b)"
)
_HINDI_NUMBER = re.compile(
    r"\b(?:(?P<part>saade|sade|sava|sawa|paune)\s+)?(?P<word>"
    + "|".join(sorted(HINDI_NUMBERS, key=len, reverse=True))
    + r")\b"
    + _UNIT_WORD,
    re.IGNORECASE,
)
_PARTS = {"saade": 0.5, "sade": 0.5, "sava": 0.25, "sawa": 0.25, "paune": -0.25}
#: English number words, as voice notes write them (``ten thousand``, ``three thousand
#: five hundred``, ``one and a half lakh``, ``a lakh``, ``eleven hundred``): read when a
#: unit word is among them (or follows: ``ten hazaar``), never alone (``one call``).
ENGLISH_NUMBERS = {
    **dict.fromkeys(("a", "one"), 1),
    **{"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8},
    **{"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14},
    **{"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19},
    **{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70},
    **{"eighty": 80, "ninety": 90},
}
#: Unit words inside a number said in words, and what each multiplies by.
ENGLISH_UNITS = {
    "hundred": 100,
    "thousand": 1000,
    **dict.fromkeys(("lakh", "lakhs", "lac", "lacs"), 100_000),
    **dict.fromkeys(("crore", "crores"), 10_000_000),
}
_ENGLISH_WORD = "|".join(sorted(ENGLISH_NUMBERS, key=len, reverse=True))
_ENGLISH_MORE = "|".join(sorted(set(ENGLISH_NUMBERS) - {"a"}, key=len, reverse=True))
_ENGLISH_UNIT = "|".join(sorted(ENGLISH_UNITS, key=len, reverse=True))
ENGLISH_NUMBER = re.compile(
    rf"\b(?:{_ENGLISH_WORD})(?:[\s-]+(?:and\s+)?(?:{_ENGLISH_MORE}|{_ENGLISH_UNIT}|a\s+half))*\b",
    re.IGNORECASE,
)


def _hindi_number(match: re.Match[str]) -> str:
    """``saade teen`` → ``3.5``; ``dedh`` → ``1.5`` (before a unit word only)."""
    value = float(HINDI_NUMBERS[match["word"].lower()])
    if match["part"]:
        value += _PARTS[match["part"].lower()]
    return _digits(value)


def _english_number(match: re.Match[str]) -> str:
    """``twenty five thousand`` → ``25000``, ``three thousand five hundred`` → ``3500``,
    ``one and a half lakh`` → ``150000``, ``ten hazaar`` → ``10 hazaar``. Words that do
    not make one number (``two three thousand``: two to three?) are left as typed, so
    the reader refuses them."""
    text = match[0]
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w != "and"]
    hazaar = re.match(r"\s+(?:hazaa?r|hajar)\b", match.string[match.end() :])
    if not hazaar and not any(w in ENGLISH_UNITS for w in words):
        return text  # "one call", "twenty five": no unit, no amount
    total, current, last_unit, index = 0.0, None, float("inf"), 0
    while index < len(words):
        word = words[index]
        if word == "a" and words[index + 1 : index + 2] == ["half"]:
            current, index = (current or 0) + 0.5, index + 2
            continue
        if word in ENGLISH_UNITS:
            unit = ENGLISH_UNITS[word]
            if unit == 100:
                current = (current or 1) * 100
            elif unit >= last_unit:
                return text  # "thousand … lakh": not one number
            else:
                total, current, last_unit = total + (current or 1) * unit, None, unit
            index += 1
            continue
        pair = _small_number(words[index : index + 2])
        step = 2 if pair is not None and len(words) > index + 1 else 1
        said = pair if step == 2 else _small_number([word])
        if said is None or (current is not None and not (current % 100 == 0 and said < 100)):
            return text  # "two three thousand": a range, not one number
        current, index = (current or 0) + said, index + step
    return _digits(total + (current or 0))


def _digits(value: float) -> str:
    """``1234567.0`` → ``1234567``, ``1.5`` → ``1.5``: never an exponent (``:g`` gives
    ``1.23457e+06`` from seven digits on, which is no amount)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def amount_in_words(text: str) -> bool:
    """Whether ``text`` says an amount in English words that :func:`clean` turns into
    digits (such an amount is read back, never written as a command)."""
    return any(_english_number(m) != m[0] for m in ENGLISH_NUMBER.finditer(text or ""))


def _small_number(words: list[str]) -> float | None:
    """``["twenty", "five"]`` → 25; ``["two", "three"]`` → ``None`` (not one number)."""
    values = [ENGLISH_NUMBERS.get(w) for w in words]
    if not values or None in values:
        return None
    first = values[0]
    assert first is not None
    if len(values) == 1:
        return float(first)
    second = values[1]
    assert second is not None
    return float(first + second) if first >= 20 and first % 10 == 0 and second < 10 else None


_INVISIBLE = {"\u200d", "\u200c", "\ufe0f", "\ufe0e", "\u20e3"}
#: Hindi words in Devanagari and the Hinglish spelling the reader's tables use.
DEVANAGARI_WORDS = {
    "कल": "kal",
    "आज": "aaj",
    "परसों": "parso",
    "शाम": "shaam",
    "सुबह": "subah",
    "दोपहर": "dopahar",
    "रात": "raat",
    "बजे": "baje",
    "तक": "tak",
    "को": "ko",
    "ने": "ne",
    "से": "se",
    "है": "hai",
    "में": "mein",
    "हज़ार": "hazar",
    "हजार": "hazar",
    "लाख": "lakh",
    "करोड़": "crore",
    "रुपये": "rupees",
    "रुपए": "rupees",
    "दिया": "diya",
    "दिए": "diye",
    "दिये": "diye",
    "देंगे": "denge",
    "देगा": "dega",
    "देगी": "degi",
    "बात": "baat",
    "हुई": "hui",
    "नहीं": "nahi",
    "उठाया": "uthaya",
    "फोन": "phone",
    "फ़ोन": "phone",
    "कॉल": "call",
    "बाद": "baad",
    "मना": "mana",
    "किया": "kiya",
    "कर": "kar",
    "करना": "karna",
    "करो": "karo",
    "गलत": "galat",
    "नंबर": "number",
}
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f]+")
_POLITE_TAIL = re.compile(
    r"(?:[\s,.!]+|(?<![^\s,.!])(?:please|pls|plz|kindly|ji|sir|madam|ma'?am|bhai|bhaiya|didi"
    r"|thanks|thank\s+you|thank\s+u|thanku|thankyou|thnx|thx|tnx|ty|dhanyavad|dhanyawad"
    r"|shukriya))$",
    re.IGNORECASE,
)
#: A money verb typed against its amount (``pledged25k``, ``paid₹500``).
_GLUED_VERB = re.compile(
    r"\b(pledged|pledge|pldg|committed|paid|received|recd|rcvd)(?=[₹\d])", re.IGNORECASE
)
#: Hinglish "na" closing a sentence ("ok na", "ho gaya na": "…, right?"): lower case,
#: after a lower-case word. Alone, after a comma, in capitals or after a name ("Meera
#: NA", "Meera na") it is the operator's "no answer" and stays.
_TAG_TAIL = re.compile(r"(?P<before>\b[A-Za-z']+)\s+na(?P<end>\s*\?*)$")
#: Words "na" tags whatever their case ("OK na", "Done na").
_TAG_HOSTS = {"ok", "okay", "done", "hai", "haan", "theek", "thik", "sahi", "right", "yes"}


def _drop_tag(match: re.Match[str]) -> str:
    before = match["before"]
    if before.islower() or before.lower() in _TAG_HOSTS:
        return before + match["end"]
    return match[0]


_POLITE_HEAD = re.compile(
    r"^(?:please|pls|plz|kindly|ok|okay|hi|hello|bhai|sir|ji)\s*[,:!-]?\s+(?=\S)", re.IGNORECASE
)
#: An apology for the delay opening a report (``sorry for the late update, …``): it
#: corrects nothing.
_LATE_HEAD = re.compile(
    r"^(?:sorry|sry|soory)\s*(?:sir|madam|maam|ji)?\s*[,.!-]*\s*(?:for\s+(?:the\s+)?)?"
    r"(?:late|delayed|delay\s+in)\s+(?:the\s+)?(?:update|reply|message|msg|response)\s*[,.!:-]*\s+(?=\S)",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:what|whats|what's|how|when|who|whom|whose|which|why|where|kya|kab|kaun|kitna|kitne"
    r"|kaise|kyun|kyon|kahan|has|have|had|is|was|were|does|check|can|could|should)\b",
    re.IGNORECASE,
)


#: English contractions, spelt out so the tables need one form (``she'll`` → ``she will``).
_CONTRACTIONS = (
    (re.compile(r"\b(won)'t\b", re.I), "will not"),
    (re.compile(r"\b(can)'t\b", re.I), "cannot"),
    (re.compile(r"n't\b", re.I), " not"),
    (re.compile(r"'ll\b", re.I), " will"),
    (re.compile(r"'(?:s|d|ve|re)\b", re.I), ""),
)


_EMOJI_BETWEEN = re.compile(r"(?<=[^\W\d_])[\s\x00]*\x00[\s\x00]*(?=[^\W\d_])")


def _symbol(char: str) -> bool:
    """Emoji, pictographs and their modifiers (not ₹ and other currency signs)."""
    return char in _INVISIBLE or unicodedata.category(char) in ("So", "Sk", "Cs", "Co")


def clean(text: str) -> str:
    """The message as the reader should see it, case kept (see the module table)."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DIGITS).translate(_PUNCT)
    text = "".join("\x00" if _symbol(ch) else ch for ch in text)
    # An emoji between two sentences ends the first (``kids shouting 😂 said call her
    # back``); at either end of the message it is only dropped.
    text = _EMOJI_BETWEEN.sub(", ", text).replace("\x00", " ")
    for pattern, spelt in _CONTRACTIONS:
        text = pattern.sub(spelt, text)
    text = _DEVANAGARI_WORD.sub(lambda m: DEVANAGARI_WORDS.get(m[0], m[0]), text)
    text = _HINDI_NUMBER.sub(_hindi_number, text)
    text = ENGLISH_NUMBER.sub(_english_number, text)
    text = _GLUED_VERB.sub(r"\1 ", text)
    text = _BRACKETS.sub(lambda m: f", {m[1]}" if m[1] else "", text)
    text = " ".join(text.split())
    while True:
        shorter = _TAG_TAIL.sub(_drop_tag, _POLITE_TAIL.sub("", text))
        if not shorter.strip() or shorter == text:
            break
        text = shorter
    return _POLITE_HEAD.sub("", _LATE_HEAD.sub("", text)).strip()


def fold(text: str) -> str:
    """Lower case with single spaces, for matching against the tables."""
    return re.sub(r"\s+", " ", text.strip().lower())


def is_question(text: str) -> bool:
    """A question to the bot ("what is my target?", "kitna hua?"), never a report."""
    bare = "".join(ch for ch in (text or "") if not _symbol(ch)).strip()
    return bare.endswith("?") or bool(_QUESTION_START.match(bare))


def one_slip(word: str, keyword: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if word == keyword or abs(len(word) - len(keyword)) > 1:
        return False
    if len(word) == len(keyword):
        diff = [i for i, (a, b) in enumerate(zip(word, keyword, strict=True)) if a != b]
        swapped = (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == keyword[diff[1]]
            and word[diff[1]] == keyword[diff[0]]
        )
        return len(diff) == 1 or swapped
    short, long = sorted((word, keyword), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
