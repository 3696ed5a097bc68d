"""The words static/js/live_polls.js needs to draw a live vote, in the reader's language: the
same msgids as templates/meetings/_vote.html, with placeholders the script fills in (names
in capitals, and sentinel numbers where a msgid formats a number with %d)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from council.domain.voting import majority
from council.web import polls as words

# Stand-ins for numbers, replaced by live_polls.js: no real count gets this large.
SENTINELS = {
    "amendment": 987650,
    "yes": 987651,
    "no": 987652,
    "needed": 987653,
    "present": 987654,
    "quorum": 987655,
}


def _texts(mapping: dict) -> dict[str, str]:
    return {str(key): str(value) for key, value in mapping.items()}


def labels() -> dict[str, Any]:
    s = SENTINELS
    sentence = "Rule applied: %(rule)s. %(yes)d in favour, at least %(num)d needed: %(outcome)s."
    return {
        "sentinels": s,
        "kinds": _texts(words.KIND_TITLES),
        "stored": _texts(words.KIND_STORED),
        "states": _texts(words.STATE_LABELS),
        "state_tones": _texts(words.STATE_TONES),
        "rules": _texts(words.RULE_LABELS),
        "explain": {str(rule): words.explain(rule) for rule in majority.Rule},
        "choices": _texts(words.CHOICE_LABELS),
        "choice_tones": _texts(words.CHOICE_TONES),
        "amendment": _("Amendment no. %(n)d", n=s["amendment"]),
        "what_stored": _("What is stored"),
        "change_allowed": _("Members may change their vote while the poll is open."),
        "change_refused": _("A vote cannot be changed once cast."),
        "waiting": _("Not open yet: the chair opens it when the quorum is present."),
        "in_favour": _("In favour"),
        "against": _("Against"),
        "abstained": _("Abstained"),
        "voted": _("%(voted)s of %(expected)s have voted", voted="VOTED", expected="EXPECTED"),
        "caption": _("Votes by member, in alphabetical order"),
        "member": _("Member"),
        "vote": _("Vote cast"),
        "statement": _("Statement of vote"),
        "by_proxy": _("by proxy: cast by %(name)s", name="NAME"),
        "entered_by": _("declared aloud, entered by %(name)s", name="NAME"),
        "nobody_voted": _("Nobody has voted yet."),
        "secret_open": _(
            "Secret vote: only how many have voted is shown; the totals appear when the poll "
            "closes."
        ),
        "secret_help": str(words.SECRET_HELP),
        "secret_help_url": url_for("polls.secret_ballot"),
        "took_part": _("Who took part"),
        "conflicts": _("Conflicts of interest"),
        "approved": _("approved"),
        "rejected": _("rejected"),
        "void": _("void for lack of quorum"),
        "amendment_approved": _("amendment approved"),
        "amendment_rejected": _("amendment rejected"),
        "sentence_void": _(
            "The quorum was lacking when the poll closed: %(present)d present, %(quorum)d "
            "needed. The vote is void and nothing is decided.",
            present=s["present"],
            quorum=s["quorum"],
        ),
        "sentence_tie": _(
            "Rule applied: %(rule)s. %(yes)d in favour and %(no)d against: a tie is never "
            "approved.",
            rule="RULE",
            yes=s["yes"],
            no=s["no"],
        ),
        # the needed number is 1 in the singular form, so it may stand as it is
        "sentence_one": ngettext(
            sentence, sentence, 1, rule="RULE", yes=s["yes"], outcome="OUTCOME"
        ),
        "sentence_many": ngettext(
            sentence, sentence, s["needed"], rule="RULE", yes=s["yes"], outcome="OUTCOME"
        ),
        "present_close": _("Present at the close"),
        "represented": _("Represented by proxy"),
        "conflicts_declared": _("Conflicts of interest declared"),
        "needed": _("Votes in favour needed"),
        "decision": _("Decision no. %(number)s", number="NUMBER"),
        # a member's ballots
        "your_vote": _("Your vote"),
        "change_vote": _("Change your vote"),
        "proxy_vote": _("Vote by proxy of %(name)s", name="NAME"),
        "reason": _("Statement of vote (optional, it goes into the minutes)"),
        "recorded": _("Your vote has been recorded: %(choice)s.", choice="CHOICE"),
        "recorded_secret": _("Your secret vote has been recorded."),
        "recorded_proxy": _(
            "The vote by proxy of %(name)s has been recorded: %(choice)s.",
            name="NAME",
            choice="CHOICE",
        ),
        "recorded_proxy_secret": _(
            "The secret vote by proxy of %(name)s has been recorded.", name="NAME"
        ),
        "absent": _("Only the members present can vote: check in first."),
        "conflict": _("I declare a conflict of interest"),
        "conflict_hint": _(
            "You take no part in this poll: it is recorded as a conflict of interest, not as "
            "an absence."
        ),
        "conflict_done": _("You declared a conflict of interest: you take no part in this poll."),
        "opened": _("Voting is open: %(question)s", question="QUESTION"),
        # the chair's console
        "open": _("Open the poll"),
        "close": _("Close the poll"),
        "record_decision": _("Record the decision"),
        "record_outcome": _("Record the amendment's outcome"),
        "decision_text": _("Text of the decision (optional: the question by default)"),
        "no_polls": _("No poll yet."),
        "prepared": _("The poll is prepared."),
    }
