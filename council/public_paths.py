"""The site's addresses that outlive a request: stored in notifications, written in e-mails,
shown in a person's replies. Domain operations build them here, without Flask: the scheduler
and the CLI have no request to ask `url_for`. tests/web/test_public_paths.py checks each one
against the routes, so a renamed route cannot leave them behind."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from council.models.comment import Comment
    from council.models.consultation import Consultation
    from council.models.meeting import Meeting
    from council.models.poll import Decision
    from council.models.proposal import Amendment, Proposal
    from council.models.user import User


def proposal(proposal: Proposal) -> str:
    return f"/proposals/{proposal.id}"


def amendment(amendment: Amendment) -> str:
    return f"/proposals/{amendment.proposal_id}/amendments/{amendment.number}"


def comment(comment: Comment) -> str:
    """Its thread's page, scrolled to it."""
    root = comment.root_id or comment.id
    return f"/proposals/{comment.proposal_id}/comments/{root}#c-{comment.id}"


def meeting(meeting: Meeting) -> str:
    return f"/meetings/{meeting.id}"


def consultation(consultation: Consultation) -> str:
    return f"/consultations/{consultation.id}"


def decision(decision: Decision, anchor: str = "") -> str:
    return f"/decisions/{decision.number}" + (f"#{anchor}" if anchor else "")


def account(user: User) -> str:
    """The administrators' page of an account."""
    return f"/admin/users/{user.id}"
