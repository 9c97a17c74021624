"""The tables that read forwarded payment messages: what a message is, and where each
field sits. One row per pattern family; the comment on a row names the banks and apps
whose messages it was written from (the samples are in
``tests/data/payment_messages.jsonl`` with their public sources).

Order matters twice: a message is the *first* kind in :data:`KINDS` that matches (an OTP
that mentions an amount is an OTP; a debit that says "credited" to the payee is a debit),
and a field is read by the first pattern that finds it.
"""

from __future__ import annotations

import re

#: Boilerplate that carries kind-words without meaning them ("Never share PIN/OTP",
#: "Cheque deposits … subject to clearing", fraud hotlines); removed before classifying.
BOILERPLATE = re.compile(
    r"(?:never|do not|don't|dont)\s+share\b[^.\n]*"
    r"|cheque deposits in a/c are subject to clearing"
    r"|(?:not you|if not u|not done by you|if not used by you|dispute)\??[^.\n]*"
    r"|sms\s+block\s*\w*[^.\n]*",
    re.I,
)

#: What a message is, checked in order. ``credit`` is the only kind ever proposed.
KINDS: list[tuple[str, re.Pattern[str]]] = [
    # OTPs: "123456 is your OTP for txn of Rs 450", "OTP is 482913 for transaction of INR…"
    (
        "otp",
        re.compile(
            r"\bOTP\b\s*(?:is|for|:|-)|\bis\s+(?:your|the)\s+(?:\w+\s+)?OTP\b|\d{4,8}\s+is\s+your"
            r"|one[ -]time\s+password|verification\s+code|\bpasscode\b",
            re.I,
        ),
    ),
    # UPI collect requests: "has requested Rs.500.00 from you", "Collect request of Rs 1,200"
    ("request", re.compile(r"\brequest(?:ed|ing)?\b|\bapprove\b", re.I)),
    # Failed, declined or reversed transactions (HDFC, ICICI, SBI "against reversal of txn"),
    # and cheques returned: "returned unpaid", "bounced", "dishonoured".
    (
        "failed",
        re.compile(
            r"\bfailed\b|\bdeclined\b|unsuccessful|\brevers(?:al|ed)\b"
            r"|\breturned\b|\bbounced?\b|\bdishono(?:u)?red\b|\bunpaid\b",
            re.I,
        ),
    ),
    # Money that will move later: pre-debit notices, mandates, dues, ASBA blocks.
    (
        "future",
        re.compile(
            r"will\s+be\s+(?:debited|credited)|pre-?debit|\bmandate\b|autopay|\bamount\s+due\b"
            r"|\bis\s+due\b|\bdue\s+on\b|\bblocked\b|\bASBA\b"
            # a cheque not yet cleared, money held: "sent for clearing", "subject to
            # realisation", "on hold … pending verification"
            r"|\b(?:sent\s+for|under|in)\s+clearing\b|subject\s+to\s+reali[sz]ation"
            r"|\bon\s+hold\b|\bpending\s+verification\b|\bunder\s+process\b",
            re.I,
        ),
    ),
    # Money going out: every bank's debit wording, app "paid to"/"sent", outward IMPS/NEFT,
    # IDFC's "your beneficiary … has received", Canara "Dr.", HDFC "Sent Rs.", IDBI
    # "debited … and credited to a/c" (the payee's credit, not ours).
    (
        "debit",
        re.compile(
            r"\bdebited\b|\bdebit\s+(?:inr|rs)|\bsent\s+(?:rs|inr|₹|from)|^\s*sent\b|\bspent\b"
            r"|\bwithdrawn\b|\bpaid\s+(?:rs\.?\s*|inr\s*|₹\s*)?[\d,.]*\s*(?:to|from)\b|\byou\s+paid\b"
            r"|\bDr\.\s+(?:INR|Rs|from)\b|\btransferred\s+to\b|\bbeneficiary\b|\bpayment\s+of\b[^.\n]*\bto\b"
            r"|\bpurchase\b|\bcharge\s+of\b",
            re.I,
        ),
    ),
    # Offers, loans, rewards.
    (
        "promo",
        re.compile(
            r"\boffer\b|pre-?approved|apply\s+now|\beligible\b|\bloan\b|\bT&C\b|congratulations"
            r"|\bwin\b|limited\s+period|click\s+here|\bEMI\b|reward",
            re.I,
        ),
    ),
    # Credits to a card (a card bill paid), not to the organisation's account.
    (
        "card",
        re.compile(r"\bcard\s*(?:member|ending|no\b|xx)|\bcredit\s+card\b|\bcardmember\b", re.I),
    ),
    # Credits that are not a donor paying: refunds, cashback, interest.
    ("refund", re.compile(r"\brefund|cash\s*back|\binterest\b", re.I)),
    # Money coming in, in every wording seen: credited/deposited/received, app "paid you",
    # Axis "Credit INR", HDFC "Credit Alert!", "RTGS Money Deposited", SBI "has a credit by
    # Transfer of Rs …".
    (
        "credit",
        re.compile(
            r"\bcredited\b|\bdeposited\b|\breceived\b|\b(?:paid|sent)\s+you\b"
            r"|\bcredit\s+(?:inr|rs|alert)|\bCr\.\s|\bhas\s+a\s+credit\s+by\b",
            re.I,
        ),
    ),
]

#: What makes text look like a forwarded bank or app message rather than an operator's
#: own words; a message needs two of these (``paid you`` counts twice).
STRUCTURE: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"\b(?:a/c|acct|account|ac)\b", re.I)),
    (1, re.compile(r"\b(?:credited|deposited|debited)\b|\bcredit\s+(?:inr|rs)", re.I)),
    (1, re.compile(r"\b(?:UPI|IMPS|NEFT|RTGS)[-/]", re.I)),
    (
        1,
        re.compile(
            r"\b(?:UPI\s*Ref|Ref\.?\s*No|UTR|RRN|IMPS|NEFT|RTGS|VPA|Txn|Transaction)\b", re.I
        ),
    ),
    (
        1,
        re.compile(
            r"\b(?:bank|SBI|HDFC|ICICI|Axis|Kotak|PNB|BOB|Canara|Union|IDFC|IndusInd|YES|Federal"
            r"|Paytm|PhonePe|Google\s+Pay|GPay|BHIM|Dear\s+(?:Customer|User|SBI|BOB|UPI))\b",
            re.I,
        ),
    ),
    (1, re.compile(r"[a-z0-9._-]+@[a-z]{2,}\b", re.I)),
    (2, re.compile(r"\b(?:paid|sent)\s+you\b|\bBanking\s+Name\b|\bUPI\s+transaction\s+ID\b", re.I)),
]

_NAME = r"(?P<name>[A-Za-z][A-Za-z.&' ]{1,60}?)"
_AFTER_NAME = (
    r"(?=\s*(?:[.;(\n]|$|\s-|\s+(?:on|in|via|through|UPI|Ref|RRN|IMPS|NEFT|with|to|at|for)\b"
    r"|\s+\+?\d))"
)

#: Where the payer's name is written, most specific first.
NAMES: list[re.Pattern[str]] = [
    # PhonePe receipt: "Banking Name : ANITA SHARMA" (the bank's own spelling).
    re.compile(r"Banking\s+Name\s*:\s*" + _NAME + r"[ \t]*(?:\n|$|Transfer|Transaction)", re.I),
    # SBI IMPS: "by a/c linked to mobile 9XXXXXX000-Mr Sample Name (IMPS Ref# …)".
    re.compile(r"linked\s+to\s+mobile\s+\S+?-" + _NAME + r"\s*\(", re.I),
    # SBI: "credited by Rs.12345 on 28Jul26 transfer from Sample Name Ref No …", and the
    # UPI wording "credited by 2500.00 on date 26Nov26 trf from SAMPLE NAME Refno …".
    re.compile(r"\b(?:transfer|trf)\s+from\s+" + _NAME + r"\s+Ref(?:no\b|\b)", re.I),
    # Google Pay / app notifications: "Murugan S paid you ₹500", "Amit sent you ₹200".
    re.compile(r"(?:^|[.:!]\s*)" + _NAME + r"\s+(?:has\s+)?(?:paid|sent)\s+you\b", re.I),
    # ICICI, Canara, Kotak, Federal, Paytm, PhonePe, GPay statement: "from RAHUL SHARMA;",
    # "Received from\nANITA SHARMA\n+91…", "from Mr RAHUL SHARMA; UPI:…".
    re.compile(
        r"\b(?:from|frm)\s+(?!(?:VPA|a/c|an?\s+a/c|your|mobile|account)\b)" + _NAME + _AFTER_NAME,
        re.I,
    ),
    # PNB: "through UPI Ref 624912345678 by MURUGAN. Bal INR …".
    re.compile(
        r"\bby\s+(?!(?:a/c|an?\s+a/c|VPA|UPI|IMPS|NEFT|RTGS|Mob|BRANCH|account|Date|Rs|INR)\b)"
        + _NAME
        + r"(?=\s*[.;]\s)",
        re.I,
    ),
]

#: Where the UTR / UPI reference is written, most authoritative first.
REFERENCES: list[re.Pattern[str]] = [
    re.compile(r"\bUTR(?:\s*No\.?)?\s*[:#.]?\s*(?P<ref>[A-Z0-9]{10,22})\b", re.I),
    re.compile(r"\bUPI\s+transaction\s+ID\s*:?\s*(?P<ref>\d{10,22})\b", re.I),
    re.compile(r"\bRRN\s*[:#.]?\s*(?P<ref>\d{10,22})\b", re.I),
    re.compile(r"\bUPI\s*(?:Ref(?:erence)?\.?\s*(?:No\.?)?)?\s*[:#]?\s*(?P<ref>\d{10,22})\b", re.I),
    re.compile(r"\bIMPS\s*Ref\.?\s*(?:No\.?|#)?\s*[:#]?\s*(?P<ref>\d{10,22})\b", re.I),
    re.compile(
        r"\bRef(?:erence)?\.?\s*(?:No\.?|#|Number)?\s*[:#.]?\s*(?P<ref>[A-Z0-9]{10,22})\b", re.I
    ),
    re.compile(r"\b(?:Txn|Transaction)\s*(?:No|ID)\.?\s*[:#]?\s*(?P<ref>[A-Z0-9]{10,35})\b", re.I),
]

#: The payer's UPI address (a credit names only the payer's).
VPA = re.compile(
    r"(?<![\w.@-])(?P<vpa>[a-z0-9][a-z0-9._-]{0,63}@[a-z][a-z0-9]{1,31})(?![\w@]|\.[a-z])", re.I
)

#: The organisation's account that was credited (last digits).
ACCOUNTS: list[re.Pattern[str]] = [
    re.compile(
        r"\b(?:a/c|acct|account|ac)\.?\s*(?:no\.?)?\s*:?\s*(?P<tail>[x*.]*\d{3,18})\b", re.I
    ),
    re.compile(r"\bCredited\s+to\s+(?P<tail>[x*]+\d{3,})", re.I),
]

#: A credit is ``upi`` when it says so (UPI, a VPA, a UPI app); otherwise ``bank``.
UPI_RAIL = re.compile(
    r"\bUPI\b|\bVPA\b|@|paid\s+you|PhonePe|Google\s+Pay|GPay|Paytm|Banking\s+Name"
    r"|Transaction\s+Successful",
    re.I,
)
