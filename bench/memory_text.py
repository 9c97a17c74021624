"""Realistic memory text for the memory benchmark: people, places and notes with a long tail.

The vocabulary comes from Faker's static word lists (no network, no randomness of its
own): Indian first and last names, Indian cities, job titles, the English word list of
its lorem provider and its business jargon, plus the fundraising words operators use:
about 3,200 distinct words. A memory reads like what an operator records::

    Kavya Sharma, retired teacher in Pune: prefers evening calls, budget tight after
    surgery, asked for the 80G receipt again

Words of a note are drawn with Zipf-like weights (the word of rank ``r`` with weight
``1 / (r + 10)``), so a few words are very common and most are rare, as in real notes,
instead of a handful of words repeated in every row. Queries are what the assistant
and the ``next`` card search for: a person's name, a short topic (2–4 words), or a
name with a topic.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from functools import cached_property

from faker.providers.address.en_IN import Provider as Address
from faker.providers.company.en_US import Provider as Company
from faker.providers.job.en_US import Provider as Job
from faker.providers.lorem.en_US import Provider as Lorem
from faker.providers.person.en_IN import Provider as Person


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


#: What operators write about donors (first in the Zipf order: the most frequent words).
DOMAIN = _words(
    "prefers call calls evening morning weekend whatsapp hindi tamil english marathi "
    "pledge pledged pay paid upi cheque bank transfer receipt 80g tax exemption renewal "
    "monthly annual donor donation donate gave another ngo temple festival diwali holi "
    "travelling abroad dubai london surgery hospital fever wife son daughter family "
    "scholarship girls education meals water village school books photos report "
    "newsletter formal informal brief short reschedule postpone remind later busy "
    "objection overheads politics religion consent sponsor visit site event cash"
)


@dataclass(frozen=True)
class MemoryText:
    """Deterministic generator of memory contents and search queries (seeded)."""

    seed: int = 7

    @cached_property
    def note_words(self) -> list[str]:
        """Words a note is made of, most frequent first: domain words, Faker's lorem list,
        then its business jargon (the rare tail)."""
        jargon = [w for group in (*Company.bsWords, *Company.catch_phrase_words) for w in group]
        lorem = [w for w in Lorem.word_list if len(w) > 2]
        return list(dict.fromkeys(DOMAIN + lorem + [w for j in jargon for w in _words(j)]))

    @cached_property
    def _weights(self) -> list[float]:
        return list(itertools.accumulate(1 / (rank + 10) for rank in range(len(self.note_words))))

    @cached_property
    def vocabulary(self) -> list[str]:
        """Every word the generator can produce (for the embedding model's tokenizer)."""
        names = [*Person.first_names, *Person.last_names, *Address.cities]
        jobs = [w for job in Job.jobs for w in _words(job)]
        return sorted(set(self.note_words) | {w for n in names for w in _words(n)} | set(jobs))

    def person(self, rng: random.Random) -> str:
        return f"{rng.choice(Person.first_names)} {rng.choice(Person.last_names)}"

    def topic(self, rng: random.Random, low: int, high: int) -> str:
        count = rng.randint(low, high)
        return " ".join(rng.choices(self.note_words, cum_weights=self._weights, k=count))

    def memory(self, rng: random.Random) -> tuple[str, str]:
        """``(person, content)``: a profile note about someone, or a campaign note."""
        person = self.person(rng)
        note = self.topic(rng, 6, 16)
        if rng.random() < 0.8:
            job = rng.choice(Job.jobs).split(",")[0].lower()
            return person, f"{person}, {job} in {rng.choice(Address.cities)}: {note}"
        return person, f"Campaign note: {note}"

    def query(self, rng: random.Random, people: list[str]) -> str:
        """A name, a short topic, or a name with a topic (a third each)."""
        kind = rng.randrange(3)
        if kind == 0:
            return rng.choice(people)
        if kind == 1:
            return self.topic(rng, 2, 4)
        return f"{rng.choice(people)} {self.topic(rng, 1, 2)}"
