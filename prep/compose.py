"""Compose the follow-up email draft from what the learner typed into the tip's fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_FIELDS = ("interviewers", "company", "role", "thanks", "open-question", "your-name")

_ADDRESS = re.compile(r"[^\s<>,;]+@[^\s<>,;]+\.[^\s<>,;]+")


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
    """Read one interviewer a line: `Name <email>`, `Name, email`, `Name email` or a name alone."""
    people = []
    for line in text.splitlines():
        line = line.strip().strip("-*•").strip()
        if not line:
            continue
        match = _ADDRESS.search(line)
        email = match.group(0) if match else ""
        name = (line[: match.start()] + line[match.end() :]) if match else line
        name = re.sub(r"[<>()\[\],;]", " ", name)
        name = " ".join(name.split())
        people.append(Interviewer(name=name, email=email))
    return people


def _greeting(people: list[Interviewer]) -> str:
    names = [p.name for p in people if p.name]
    if not names:
        return "Hello,"
    if len(names) == 1:
        return f"Dear {names[0]},"
    return "Dear " + ", ".join(names[:-1]) + f" and {names[-1]},"


def compose_follow_up_email(fields: dict[str, str]) -> EmailDraft:
    """Build a ready-to-send thank-you email; blanks become visible `[placeholders]`."""
    value = {k: (fields.get(k) or "").strip() for k in EMAIL_FIELDS}
    missing = tuple(k for k in EMAIL_FIELDS if not value[k])
    people = parse_interviewers(value["interviewers"])
    role = value["role"] or "[role]"
    company = value["company"] or "[company]"
    name = value["your-name"] or "[your name]"

    paragraphs = [
        _greeting(people),
        f"Thank you for speaking with me today about the {role} position at {company}. "
        "I appreciated the time you gave me and the chance to learn more about the team.",
    ]
    if value["thanks"]:
        paragraphs.append(value["thanks"])
    if value["open-question"]:
        paragraphs.append(
            "I also wanted to come back to a question we left open during our conversation.\n\n"
            + value["open-question"]
        )
    paragraphs.append(
        "Whatever the outcome, thank you again for your time. "
        "I look forward to hearing from you about the next steps."
    )
    paragraphs.append(f"Best regards,\n{name}")
    return EmailDraft(
        to=tuple(p.email for p in people if p.email),
        subject=f"Thank you: {role} interview at {company}",
        body="\n\n".join(paragraphs),
        missing=missing,
    )
