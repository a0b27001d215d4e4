"""The kinds of email the site sends, each registered once by the app that owns it.

An app registers a kind with the function that renders it (usually from its
AppConfig.ready(), by importing its emails module):

    register("acknowledgement", "Request received (to patient)", render=render_acknowledgement)

`render(email)` receives the outbox row (`notifications.models.Email`) and returns
a ready `django.core.mail.EmailMessage` (recipients set), or raises `NotToBeSent`
when the email should no longer go out (the patient's details were erased, a
reminder's appointment moved). Rendering happens when the email is sent, from the
data as it is then.
"""

from collections.abc import Callable
from dataclasses import dataclass


class NotToBeSent(Exception):
    """Raised by a renderer: this email must not go out any more. Its message is a
    short reason without personal data (e.g. "appointment moved"), shown in admin."""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    render: Callable


KINDS: dict[str, Kind] = {}


def register(name, label, *, render):
    """Register the kind `name` (at most 40 characters), shown in admin as `label`,
    rendered by `render(email) -> EmailMessage`. Registering a name twice with a
    different renderer raises ValueError (two apps would fight over one kind)."""
    if len(name) > 40:
        raise ValueError(f"Email kind names are at most 40 characters: {name!r}")
    existing = KINDS.get(name)
    if existing is not None and existing.render is not render:
        raise ValueError(f"The email kind {name!r} is registered twice.")
    KINDS[name] = Kind(name, label, render)


def get(name):
    """The registered Kind called `name`; KeyError for an unknown one."""
    return KINDS[name]


def label(name):
    """How admin names the kind `name` (the name itself if it is not registered)."""
    kind = KINDS.get(name)
    return kind.label if kind else name
