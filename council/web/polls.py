"""The public page of a poll (votazione), no account needed, and the words every page uses to
speak of polls: kinds, states, rules with their explanation, choices, groups, outcomes.

What a page shows follows docs/voting.md: a named poll's ballots are public with the names; a
secret poll has only who took part (published at the close, alphabetically) and the totals.
While a poll is prepared or open, the page shows no more than the live room does.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from council.domain.archive import decisions
from council.domain.voting import majority, poll_queries
from council.extensions import db
from council.models.poll import Choice, Poll, PollKind, PollState
from council.models.user import CouncilGroup

bp = Blueprint("polls", __name__, url_prefix="/polls")

KIND_LABELS = {PollKind.NAMED: _l("named"), PollKind.SECRET: _l("secret")}
KIND_TITLES = {PollKind.NAMED: _l("Named vote"), PollKind.SECRET: _l("Secret vote")}
KIND_STORED = {
    PollKind.NAMED: _l(
        "Each vote is public, with the name of the member it belongs to, the name of whoever "
        "cast it when it was cast by proxy, and any statement of vote (dichiarazione di voto)."
    ),
    # docs/voting.md, "Secret polls: what can be known", says why each word is true;
    # tests/web/test_secret_claims.py checks them
    PollKind.SECRET: _l(
        "Only who took part (published at the close, in alphabetical order) and the totals are "
        "kept, not who voted what. The vote is secret from the other members and the public, "
        "but not from the platform: whoever runs it or can read its database could work out how "
        "each member voted. A secret vote cannot be changed once cast."
    ),
}
SECRET_HELP = _l("How a secret vote works")
STATE_LABELS = {
    PollState.PREPARED: _l("not yet open"),
    PollState.OPEN: _l("voting open"),
    PollState.CLOSED: _l("closed"),
}
STATE_TONES = {PollState.PREPARED: "neutral", PollState.OPEN: "warning", PollState.CLOSED: "info"}
RULE_LABELS = {
    majority.Rule.SIMPLE: _l("simple majority"),
    majority.Rule.ABSOLUTE_PRESENT: _l("absolute majority of those present"),
    majority.Rule.ABSOLUTE_MEMBERS: _l("absolute majority of the members"),
    majority.Rule.TWO_THIRDS_PRESENT: _l("two-thirds majority of those present"),
}
CHOICE_LABELS = {
    Choice.IN_FAVOUR: _l("in favour"),
    Choice.AGAINST: _l("against"),
    Choice.ABSTAIN: _l("abstain"),
}
CHOICE_TONES = {Choice.IN_FAVOUR: "success", Choice.AGAINST: "danger", Choice.ABSTAIN: "neutral"}
GROUP_LABELS = {
    CouncilGroup.ADMINISTRATION: _l("City administration"),
    CouncilGroup.THIRD_SECTOR: _l("Third sector"),
    None: _l("Members without a group"),
}
# majority.py keeps its explanations as plain English msgids (a pure module); marked here so
# that they are extracted and translated. tests/web/test_poll_pages.py checks they match.
EXPLANATIONS = (
    _l(
        "Simple majority: approved with more votes in favour than against; abstentions do not "
        "count as votes; a tie is rejected."
    ),
    _l(
        "Absolute majority of those present: approved with votes in favour from more than half "
        "of the members present."
    ),
    _l(
        "Absolute majority of the members: approved with votes in favour from more than half of "
        "the council's members."
    ),
    _l(
        "Two-thirds majority: approved with votes in favour from at least two thirds of the "
        "members present."
    ),
    _l("Void vote: the quorum was lacking when the poll closed; nothing is decided."),
)


def explain(rule: majority.Rule) -> str:
    """The rule's readable explanation, in the reader's language."""
    return _(majority.EXPLANATION[rule])


def outcome_label(poll: Poll) -> str:
    """approved / rejected / void, or '' before the close."""
    if poll.state != PollState.CLOSED:
        return ""
    if not poll.valid:
        return _("void for lack of quorum")
    if poll.amendment_id is not None:
        return _("amendment approved") if poll.approved else _("amendment rejected")
    return _("approved") if poll.approved else _("rejected")


def outcome_tone(poll: Poll) -> str:
    if poll.state != PollState.CLOSED or not poll.valid:
        return "warning"
    return "success" if poll.approved else "danger"


def outcome_sentence(poll: Poll) -> str:
    """The rule applied to the counts, in one sentence a reader can check."""
    if poll.state != PollState.CLOSED:
        return ""
    if not poll.valid:
        return _(
            "The quorum was lacking when the poll closed: %(present)d present, %(quorum)d "
            "needed. The vote is void and nothing is decided.",
            present=poll.present,
            quorum=majority.quorum_needed(poll.members or 0),
        )
    rule = RULE_LABELS[poll.rule]
    if not poll.approved and poll.yes == poll.no:
        return _(
            "Rule applied: %(rule)s. %(yes)d in favour and %(no)d against: a tie is never "
            "approved.",
            rule=rule,
            yes=poll.yes,
            no=poll.no,
        )
    return ngettext(
        "Rule applied: %(rule)s. %(yes)d in favour, at least %(num)d needed: %(outcome)s.",
        "Rule applied: %(rule)s. %(yes)d in favour, at least %(num)d needed: %(outcome)s.",
        poll.needed or 0,
        rule=rule,
        yes=poll.yes,
        outcome=outcome_label(poll),
    )


def quorum_needed(poll: Poll) -> int:
    return majority.quorum_needed(poll.members or 0)


@bp.app_context_processor
def _helpers():
    """Also for the meeting pages' votes (templates/meetings/_phase.html) and the decision
    pages."""
    return {
        "poll_kind_labels": KIND_LABELS,
        "poll_kind_titles": KIND_TITLES,
        "poll_kind_stored": KIND_STORED,
        "poll_secret_help": SECRET_HELP,
        "poll_state_labels": STATE_LABELS,
        "poll_state_tones": STATE_TONES,
        "poll_rule_labels": RULE_LABELS,
        "poll_choice_labels": CHOICE_LABELS,
        "poll_choice_tones": CHOICE_TONES,
        "poll_group_labels": GROUP_LABELS,
        "poll_explain": explain,
        "poll_outcome": outcome_label,
        "poll_outcome_tone": outcome_tone,
        "poll_outcome_sentence": outcome_sentence,
        "poll_quorum_needed": quorum_needed,
    }


@bp.get("/secret-ballot")
def secret_ballot():
    """How a secret vote works: what is published, what is stored, who could link a member to
    a choice (docs/voting.md says the same for developers and operators)."""
    return render_template("polls/secret.html")


@bp.get("/<int:poll_id>")
def view(poll_id: int):
    poll = poll_queries.visible(db.session, current_user, poll_id)
    closed = poll.state == PollState.CLOSED
    named = poll.kind == PollKind.NAMED
    groups = poll_queries.group_results(db.session, poll) if closed else []
    return render_template(
        "polls/view.html",
        poll=poll,
        meeting=poll.meeting,
        item=poll.item,
        item_number=poll.item.position + 1,
        decision=decisions.of_poll(db.session, poll),
        # while open: only how many have voted, for either kind (the live room shows no less)
        votes_cast=poll_queries.participants(db.session, poll)
        if poll.state == PollState.OPEN
        else 0,
        ballots=poll_queries.named_ballots(db.session, poll) if closed else [],
        participants=poll_queries.participants_by_name(db.session, poll)
        if closed and not named
        else [],
        conflicts=poll_queries.conflicted(db.session, poll) if closed else [],
        groups=groups,
        groups_agree=poll_queries.groups_agree(groups),
    )
