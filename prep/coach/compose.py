"""Compose the follow-up email draft from what the learner typed into the tip's fields.

Learners type fragments as the placeholders suggest ("the walk-through of how the team
ships"), in any case, with or without a full stop. The helpers here turn that into
sentences: a fragment gets a sentence built around it, a sentence gets its capital and
its full stop, a name typed in lowercase gets its capitals. They are pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_FIELDS = ("interviewers", "company", "role", "thanks", "open-question", "your-name")

_ADDRESS = re.compile(r"[^\s<>,;]+@[^\s<>,;]+\.[^\s<>,;]+")
_SEPARATOR = re.compile(r"\s*(?:[;,&]|\band\b)\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…]$")
_SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?…])(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bInc\.)(?<!\bLtd\.)\s+"
)
_TRAILING = ".,;:!?-–— "  # punctuation typed after a name, a company or a role
_ABBREVIATION_END = re.compile(r"(?i)\b(?:inc|ltd|co|corp|llc|plc|jr|sr|s\.a|n\.v|b\.v)\.$")
_LONE_I = re.compile(r"(?<![\w'’])i(?=(?:['’](?:m|ve|d|ll)\b)|\s|$)")
_BULLET = re.compile(r"^\s*(?:[-*•]+|\d+[.)])\s+")

# First words that make what was typed a sentence already ("I enjoyed...", "Thanks for...")
_SENTENCE_STARTS = frozenset(
    {"i", "i'm", "i've", "i'd", "i'll", "we", "we're", "it", "it's", "thank", "thanks", "you"}
)
# Verbs a learner types without the "I" in front ("appreciated the demo"), and adverbs
_FIRST_PERSON_VERBS = frozenset(
    {"appreciated", "enjoyed", "liked", "loved", "valued", "learned", "learnt"}
)
_ADVERBS = frozenset({"really", "especially", "particularly", "truly", "also"})
# Lowercase these when they open a fragment ("The walk-through" -> "the walk-through")
_FRAGMENT_STARTS = frozenset(
    {"the", "a", "an", "your", "how", "what", "that", "this", "these", "those", "our", "their"}
)


@dataclass(frozen=True)
class Interviewer:
    name: str
    email: str


@dataclass(frozen=True)
class EmailDraft:
    to: tuple[str, ...]
    subject: str
    body: str
    missing: tuple[str, ...]

    def as_text(self) -> str:
        to = ", ".join(self.to) if self.to else "[interviewer email addresses]"
        return f"To: {to}\nSubject: {self.subject}\n\n{self.body}"


def parse_interviewers(text: str) -> list[Interviewer]:
    """Read interviewers one a line (`Name <email>`, `Name, email`, `Name email`, a name).

    A line may also list several people: `Sam, Ana and Lee` or `Sam <s@x.io>; Ana <a@x.io>`.
    An address on its own belongs to the name just before it.
    """
    people: list[Interviewer] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip().strip("-*•").strip()
        if not line:
            continue
        waiting: Interviewer | None = None  # a name on this line still without an address
        for chunk in _SEPARATOR.split(line):
            person = _interviewer(chunk)
            if person is None:
                continue
            if not person.name and waiting is not None:
                people[people.index(waiting)] = Interviewer(waiting.name, person.email)
                waiting = None
                continue
            people.append(person)
            waiting = person if not person.email else None
    return people


def _interviewer(chunk: str) -> Interviewer | None:
    match = _ADDRESS.search(chunk)
    email = match.group(0) if match else ""
    name = (chunk[: match.start()] + chunk[match.end() :]) if match else chunk
    name = person_name(re.sub(r"[<>()\[\]\"]", " ", name))
    return Interviewer(name=name, email=email) if name or email else None


def tidy(text: str) -> str:
    """Collapse runs of spaces, tabs and line breaks into one space."""
    return " ".join(text.split())


def person_name(text: str) -> str:
    """A name as it goes in a greeting or a signature: `alex  morgan.` -> `Alex Morgan`."""
    name = tidy(text).strip(_TRAILING)
    return _capitalise_words(name) if name == name.lower() else name


def company_name(text: str) -> str:
    """A company name mid-sentence: spaces tidied, a stray full stop dropped (not `Inc.`)."""
    name = tidy(text)
    if not _ABBREVIATION_END.search(name):
        name = name.strip(_TRAILING)
    return _capitalise_words(name) if name == name.lower() else name


def role_name(text: str) -> str:
    """A role as it fits `the ___ position`: `a back-end engineer role.` -> `back-end engineer`."""
    role = tidy(text).strip(_TRAILING)
    role = re.sub(r"(?i)^(?:the|an?)\s+", "", role)
    return re.sub(r"(?i)\s+(?:position|role|job)$", "", role).strip(_TRAILING)


def _capitalise_words(text: str) -> str:
    return " ".join(
        "-".join(part[:1].upper() + part[1:] for part in word.split("-")) for word in text.split()
    )


def end_sentence(text: str) -> str:
    """Close a sentence with a full stop unless it already ends with . ! ? or …"""
    text = text.rstrip()
    closing = ""
    while text and text[-1] in "\"'”’":  # a closing quote stays after the full stop
        closing, text = text[-1] + closing, text[:-1].rstrip()
    if not text:
        return closing
    if not _SENTENCE_END.search(text):
        text = text.rstrip(",;:-–— ") + "."
    return text + closing


def _capitalise_first(sentence: str) -> str:
    """Capitalise a sentence's first word when it is all lowercase (`iOS` stays as typed)."""
    first = sentence.split(" ", 1)[0]
    if first and first == first.lower() and first[0].isalpha():
        return sentence[0].upper() + sentence[1:]
    return sentence


def _lines_to_text(text: str) -> list[str]:
    """Paragraphs of what was typed; a line break inside one is a space or a sentence end."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        joined = ""
        for raw in block.splitlines():
            line = tidy(_BULLET.sub("", raw))
            if not line:
                continue
            if not joined:
                joined = line
            elif _SENTENCE_END.search(joined) or line[0].isupper() or _BULLET.match(raw):
                joined = f"{end_sentence(joined)} {line}"
            else:
                joined = f"{joined} {line}"
        if joined:
            paragraphs.append(joined)
    return paragraphs


def sentences(text: str) -> str:
    """Typed text as sentences: each capitalised and closed, `i` written `I`, paragraphs kept."""
    out = []
    for paragraph in _lines_to_text(text):
        parts = [_capitalise_first(_LONE_I.sub("I", s)) for s in _SENTENCE_SPLIT.split(paragraph)]
        out.append(" ".join(end_sentence(p) for p in parts if p))
    return "\n\n".join(out)


def appreciation(text: str) -> str:
    """What the learner appreciated, as sentences that can follow the opening paragraph.

    A fragment (`the honest walk-through of how the team ships`) becomes "I especially
    appreciated the honest walk-through of how the team ships."; a verb typed without its
    subject (`enjoyed the demo`) gets its "I"; a sentence of their own is kept.
    """
    paragraphs = _lines_to_text(text)
    if not paragraphs:
        return ""
    first, *rest = _SENTENCE_SPLIT.split(paragraphs[0])
    first = _LONE_I.sub("I", first)
    words = first.split(" ")
    opener = words[0].lower().replace("’", "'").strip(",:;")
    if opener in _SENTENCE_STARTS or first.lower().startswith(("it was", "this was", "that was")):
        lead = first
    elif opener in _FIRST_PERSON_VERBS or (
        opener in _ADVERBS and len(words) > 1 and words[1].lower() in _FIRST_PERSON_VERBS
    ):
        lead = "I " + words[0].lower() + first[len(words[0]) :]
    elif opener in _ADVERBS:  # "especially the demo"
        lead = f"I {opener} appreciated {' '.join(words[1:])}"
    else:
        if opener in _FRAGMENT_STARTS and words[0][1:] == words[0][1:].lower():
            first = first[0].lower() + first[1:]
        lead = f"I especially appreciated {first}"
    paragraphs[0] = " ".join([lead, *rest])
    return sentences("\n\n".join(paragraphs))


def greeting(people: list[Interviewer]) -> str:
    """`Dear Sam,` / `Dear Sam and Ana,` / `Dear Sam, Ana and Lee,`; `Hello,` with no names."""
    names = list(dict.fromkeys(p.name for p in people if p.name))
    if not names:
        return "Hello,"
    if len(names) == 1:
        return f"Dear {names[0]},"
    return "Dear " + ", ".join(names[:-1]) + f" and {names[-1]},"


def compose_follow_up_email(fields: dict[str, str]) -> EmailDraft:
    """Build a ready-to-send thank-you email; blank required fields become `[placeholders]`.

    The thanks and the open question are optional: left blank, their paragraphs are left
    out. `missing` still names every blank field, so the card can list what is left.
    """
    value = {k: (fields.get(k) or "").strip() for k in EMAIL_FIELDS}
    missing = tuple(k for k in EMAIL_FIELDS if not value[k])
    people = parse_interviewers(value["interviewers"])
    role = role_name(value["role"]) or "[role]"
    company = company_name(value["company"]) or "[company]"
    name = person_name(value["your-name"]) or "[your name]"

    paragraphs = [
        greeting(people),
        end_sentence(f"Thank you for speaking with me today about the {role} position at {company}")
        + " I appreciated the time you gave me and the chance to learn more about the team.",
    ]
    thanks = appreciation(value["thanks"])
    if thanks:
        paragraphs.append(thanks)
    answer = sentences(value["open-question"])
    if answer:
        paragraphs.append(
            "I also wanted to come back to a question we left open during our conversation."
        )
        paragraphs.append(answer)
    paragraphs.append(
        "Whatever the outcome, thank you again for your time. "
        "I look forward to hearing from you about the next steps."
    )
    paragraphs.append(f"Best regards,\n{name}")
    subject_role = role[:1].upper() + role[1:]
    return EmailDraft(
        to=tuple(dict.fromkeys(p.email for p in people if p.email)),
        subject=f"Thank you: {subject_role} interview at {company}",
        body="\n\n".join(paragraphs),
        missing=missing,
    )
