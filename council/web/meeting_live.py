"""The live session's HTML doors: the public live view, the chair's console, and the forms
that work without JavaScript (the same operations the socket events call)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from council.domain import permissions
from council.domain.meetings import attendance, live_session, meetings, opening, speakers
from council.domain.voting import declared_votes, poll_queries, polls, proxies
from council.errors import InvalidState, NotAllowed, ValidationError
from council.extensions import db
from council.models.base import utcnow
from council.models.meeting import LIVE_STATES, Meeting, MeetingState
from council.models.poll import Choice, Poll
from council.models.user import User
from council.web import vote_labels
from council.web.common import render_error, safe_next
from council.web.doors import act, admit, door
from council.web.forms import ActionForm
from council.web.polls import CHOICE_LABELS

OPEN_STATES = frozenset(LIVE_STATES | {MeetingState.CONVENED})

SESSION_ACTIONS: dict[str, Callable] = {
    "open": live_session.open_session,
    "suspend": live_session.suspend,
    "resume": live_session.resume,
    "close": live_session.close,
}


def new_client_id() -> str:
    """The id of one request to speak or one ballot, carried by its form: a form sent twice
    is one request, a ballot sent twice is counted once."""
    return "f-" + secrets.token_urlsafe(12)


def _load(meeting_id: int) -> Meeting:
    return meetings.get(db.session, current_user, meeting_id)


def _posted_int(name: str, *, required: bool = True) -> int | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationError(_("The request is malformed (%(field)s).", field=name), field=name)
    return int(value)


def _posted_str(name: str) -> str | None:
    value = request.form.get(name, "").strip()
    return value[:64] or None


def _from_console(meeting_id: int) -> bool:
    return request.form.get("next") == url_for("meetings.console", meeting_id=meeting_id)


def _button(
    meeting_id: int,
    operation: Callable,
    done: str | Callable[..., str],
    control: str | None = None,
):
    """A live action from a form (behind the door: see register), back where it came from.
    Refusals (403/404/409/422) are error pages saying why; nothing is changed. From the
    console, a refusal of a state or a value (409/422) goes back to the console instead,
    with a message naming the `control` on the console's first screen. `done` is the
    message, or makes it from the operation's result (inside the transaction)."""
    back = safe_next(request.form.get("next"), url_for("meetings.view", meeting_id=meeting_id))

    def refused(error):
        if not isinstance(error, InvalidState | ValidationError):
            return None
        if control is None or not _from_console(meeting_id):
            return None
        flash(_("%(control)s: %(reason)s", control=control, reason=error.message), "error")
        return redirect(back)

    actor = current_user._get_current_object()
    return act(lambda work: operation(work, actor), done=done, to=back, refused=refused)


def live(meeting_id: int):
    """The public live view, for a projector or a phone: no account needed. A council member
    who can take part while the session is open is sent to their own live page (the meeting's
    page, with the ballot and the request to speak at its top); ?view=projector shows them the
    projector anyway."""
    meeting = _load(meeting_id)
    if (
        meeting.state in OPEN_STATES
        and request.args.get("view") != "projector"
        and permissions.can(current_user, "attendance.self")
    ):
        return redirect(url_for("meetings.view", meeting_id=meeting.id) + "#now")
    return render_template(
        "meetings/live.html", meeting=meeting, snap=live_session.state(db.session, meeting)
    )


def vote_context(meeting: Meeting, me: User | None) -> dict:
    """What the vote panel of a meeting's pages needs besides the snapshot: the member's own
    part in the poll on screen, and a fresh id for each ballot form."""
    return {"mine": poll_queries.mine(db.session, meeting, me), "new_ballot_id": new_client_id}


def _console_order(polls: list[dict], decides: bool) -> dict[str, list[dict]]:
    """The console's polls by what the chair can do with them: "pending" (the open poll, the
    prepared ones that can open, amendments first, those awaiting their decision), "waiting"
    (prepared, cannot open yet: each says why), "done". The same order as
    static/js/live_polls.js, consoleRank."""

    def rank(p: dict) -> int | None:
        if p["state"] == "open":
            return 0
        if p["state"] == "prepared":
            return 3 if p.get("refusal") else 1
        if p["valid"] and not p["recorded"] and decides:
            return 2
        return None

    order = sorted((p for p in polls if rank(p) is not None),
                   key=lambda p: (rank(p), p["amendment"] is None, p["id"]))  # fmt: skip
    return {
        "pending": [p for p in order if rank(p) != 3],
        "waiting": [p for p in order if rank(p) == 3],
        "done": [p for p in polls if rank(p) is None],
    }


def _available_from(moment) -> str:
    """ "Available from 16:30" today; with the date on another day."""
    time = format_datetime(moment, "HH:mm")
    if format_datetime(utcnow(), "yyyy-MM-dd") == format_datetime(moment, "yyyy-MM-dd"):
        return _("Available from %(time)s", time=time)
    return _("Available from %(day)s at %(time)s", day=format_datetime(moment, "d MMMM"),
             time=time)  # fmt: skip


def console_labels(meeting: Meeting) -> dict:
    """The console's own words for static/js/console.js and live_polls.js."""
    return {
        "refusals": {code: str(text) for code, text in opening.POLL_REFUSALS.items()},
        "opens_from": _available_from(opening.session_opens_at(meeting.starts_at)),
        "open": _("Open the poll"),
        "close": _("Close the poll"),
    }


def console(meeting_id: int):
    """The chair's console (the secretary uses it for the attendance)."""
    if (refused := admit()) is not None:
        return refused
    if not (
        permissions.can(current_user, "session.run")
        or permissions.can(current_user, "attendance.manage")
    ):
        raise NotAllowed(_("You are not allowed to do this."))
    meeting = _load(meeting_id)
    snap = live_session.state(db.session, meeting)
    groups = _console_order(snap["polls"], permissions.can(current_user, "decision.record"))
    labels = console_labels(meeting)
    return render_template(
        "meetings/console.html",
        meeting=meeting,
        snap=snap,
        members=meetings.members(db.session),
        action_form=ActionForm(),
        runs=permissions.can(current_user, "session.run"),
        default_limit=speakers.speaking_limit(),
        amendments=poll_queries.amendments_to_vote(db.session, meeting),
        polls_by_step=groups,
        console_labels=labels,
        too_early=meeting.state == MeetingState.CONVENED
        and utcnow() < opening.session_opens_at(meeting.starts_at),
    )


def session_action(meeting_id: int, action: str):
    operation = SESSION_ACTIONS.get(action)
    if operation is None:
        return render_error(404)
    labels = {
        "open": _("The session is open."),
        "suspend": _("The session is suspended."),
        "resume": _("The session has resumed."),
        "close": _("The session is closed."),
    }
    controls = {
        "open": _("Open the session"),
        "suspend": _("Suspend"),
        "resume": _("Resume"),
        "close": _("Close the session"),
    }
    return _button(meeting_id, lambda w, u: operation(w, u, meeting_id), labels[action],
                   controls[action])  # fmt: skip


def move_to(meeting_id: int):
    return _button(meeting_id,
                   lambda w, u: live_session.move_to(w, u, meeting_id, _posted_int("item")),
                   _("The item is now under discussion."), _("Discuss now"))  # fmt: skip


def check_in(meeting_id: int):
    return _button(meeting_id,
                   lambda w, u: attendance.check_in(w, u, meeting_id, _posted_str("member")),
                   _("Marked present."), _("Mark present"))  # fmt: skip


def check_out(meeting_id: int):
    return _button(meeting_id,
                   lambda w, u: attendance.check_out(w, u, meeting_id, _posted_str("member")),
                   _("Marked as gone."), _("Mark absent"))  # fmt: skip


def ask(meeting_id: int):
    kind, client_id = request.form.get("kind", ""), request.form.get("client_id", "")
    return _button(
        meeting_id,
        lambda w, u: speakers.request(w, u, meeting_id, kind=kind, client_id=client_id),
        _("You are on the list of speakers."),
    )


def withdraw(meeting_id: int, request_id: int):
    return _button(meeting_id, lambda w, u: speakers.withdraw(w, u, meeting_id, request_id),
                   _("The request was withdrawn."), _("Remove from the list"))  # fmt: skip


def give_floor(meeting_id: int, request_id: int):
    def give(work, user):
        minutes = _posted_int("minutes", required=False)
        limit = minutes * 60 if minutes is not None else None
        return speakers.give_floor(work, user, meeting_id, request_id, limit_s=limit)

    return _button(meeting_id, give, _("The floor is given."), _("Give the floor"))


def end_floor(meeting_id: int, request_id: int):
    return _button(meeting_id, lambda w, u: speakers.end_floor(w, u, meeting_id, request_id),
                   _("The intervention ended."), _("End the intervention"))  # fmt: skip


def reorder(meeting_id: int, request_id: int):
    return _button(
        meeting_id,
        lambda w, u: speakers.reorder(w, u, meeting_id, request_id, _posted_int("position")),
        _("The list of speakers was reordered."),
        _("List of speakers"),
    )


def grant_proxy(meeting_id: int):
    return _button(meeting_id, lambda w, u: proxies.grant(w, u, meeting_id, _posted_str("to")),
                   _("Your vote is delegated for this meeting."))  # fmt: skip


def revoke_proxy(meeting_id: int):
    return _button(meeting_id, lambda w, u: proxies.revoke(w, u, meeting_id),
                   _("Your proxy is revoked."))  # fmt: skip


# --- votes -------------------------------------------------------------------------------------


def _on(work, meeting_id: int, poll_id: int) -> int:
    """The poll, when it belongs to this meeting (another meeting's poll: 404)."""
    return poll_queries.of_meeting(work, meeting_id, poll_id)


def prepare_poll(meeting_id: int):
    def prepare(work, user):
        return polls.prepare_poll(
            work, user, meeting_id, item_id=_posted_int("item"),
            kind=request.form.get("kind", ""), rule=request.form.get("rule", ""),
            question=request.form.get("question", ""),
            amendment_id=_posted_int("amendment", required=False),
            allow_change=request.form.get("allow_change") == "1",
        )  # fmt: skip

    return _button(meeting_id, prepare, _("The poll is prepared."), _("Prepare the poll"))


def open_poll(meeting_id: int, poll_id: int):
    return _button(meeting_id,
                   lambda w, u: polls.open_poll(w, u, _on(w, meeting_id, poll_id)),
                   _("The poll is open: the members can vote."), _("Open the poll"))  # fmt: skip


def close_poll(meeting_id: int, poll_id: int):
    return _button(meeting_id,
                   lambda w, u: polls.close_poll(w, u, _on(w, meeting_id, poll_id)),
                   _("The poll is closed: the result is shown to the room."),
                   _("Close the poll"))  # fmt: skip


def _ballot_done(work, result) -> str:
    """The confirmation a voter reads: their own vote, or the one cast by proxy."""
    if result.choice is None:
        mine = result.cast_for == current_user.public_id
        if mine:
            return _("Your secret vote has been recorded.")
        return _("The secret vote by proxy of %(name)s has been recorded.",
                 name=poll_queries.name_of(work, result.cast_for))  # fmt: skip
    choice = str(CHOICE_LABELS[Choice(result.choice)])
    if result.cast_for == current_user.public_id:
        return _("Your vote has been recorded: %(choice)s.", choice=choice)
    return _("The vote by proxy of %(name)s has been recorded: %(choice)s.",
             name=poll_queries.name_of(work, result.cast_for), choice=choice)  # fmt: skip


def _confirm_ballot(meeting_id: int, poll_id: int):  # -> a page, or None
    """Without JavaScript the first tap leads here: the choice said back, a named ballot's
    statement of vote, and the button that casts it (nothing is stored yet). None when the
    ballot would be refused anyway: the cast says why, as with a confirmed ballot."""
    meeting = _load(meeting_id)
    snap = live_session.state(db.session, meeting)
    poll = next((p for p in snap["polls"] if p["id"] == poll_id), None)
    choice = request.form.get("choice", "")
    if poll is None or poll["state"] != "open" or choice not in {str(c) for c in Choice}:
        return None  # the cast itself says why not
    for_member = _posted_str("for_member")
    proxy_name = poll_queries.name_of(db.session, for_member) if for_member else None
    return render_template(
        "meetings/ballot_confirm.html", meeting=meeting, poll=poll, choice=choice,
        client_ballot_id=request.form.get("client_ballot_id", ""), for_member=for_member,
        proxy_name=proxy_name,
    )  # fmt: skip


def cast_ballot(meeting_id: int, poll_id: int):
    if request.form.get("confirm") != "1" and (page := _confirm_ballot(meeting_id, poll_id)):
        return page

    def cast(work, user):
        return polls.cast_ballot(
            work, user, _on(work, meeting_id, poll_id), request.form.get("choice", ""),
            request.form.get("client_ballot_id", ""), for_member=_posted_str("for_member"),
            reason=request.form.get("reason"),
        )  # fmt: skip

    return _button(meeting_id, cast, _ballot_done)


def declare_conflict(meeting_id: int, poll_id: int):
    return _button(
        meeting_id,
        lambda w, u: polls.declare_conflict(w, u, _on(w, meeting_id, poll_id)),
        _("You declared a conflict of interest: you take no part in this poll."),
    )


def declare_vote(meeting_id: int, poll_id: int):
    """A vote a member present declares aloud (appello nominale), entered by the chair or the
    secretary: first a page that asks to confirm it, then (`confirm=1`) recorded."""
    member, choice = _posted_str("member"), request.form.get("choice", "")
    if request.form.get("confirm") != "1":
        permissions.require(current_user, "ballot.declare")
        meeting = _load(meeting_id)
        poll = db.session.get(Poll, _on(db.session, meeting_id, poll_id))
        try:
            label = CHOICE_LABELS[Choice(choice)]
        except ValueError:
            raise ValidationError(
                _("Choose in favour, against or abstain."), field="choice"
            ) from None
        console_url = url_for("meetings.console", meeting_id=meeting_id)
        return render_template(
            "meetings/declare_confirm.html", meeting=meeting, poll=poll, member=member,
            name=poll_queries.name_of(db.session, member or ""), choice=choice, label=label,
            client_id=request.form.get("client_id", ""), action_form=ActionForm(),
            back=safe_next(request.form.get("next"), console_url),
        )  # fmt: skip

    def declare(work, user):
        return declared_votes.declare_vote(
            work, user, _on(work, meeting_id, poll_id), member, choice,
            request.form.get("client_id", ""),
        )  # fmt: skip

    def done(work, result) -> str:
        return _("Vote declared aloud by %(name)s recorded: %(choice)s.",
                 name=poll_queries.name_of(work, result.cast_for),
                 choice=str(CHOICE_LABELS[Choice(result.choice)]))  # fmt: skip

    return _button(meeting_id, declare, done)


def record_decision(meeting_id: int, poll_id: int):
    def decide(work, user):
        return polls.record_decision(work, user, _on(work, meeting_id, poll_id),
                                      request.form.get("text"))  # fmt: skip

    def done(_work, decision) -> str:
        if decision is None:
            return _("The amendment's outcome is recorded.")
        return _("Decision no. %(number)s is recorded.", number=decision.number)

    return _button(meeting_id, decide, done, _("Record the decision"))


def register(bp: Blueprint) -> None:
    """The live doors on the meetings' blueprint; the forms (POST) only for those logged in."""
    bp.context_processor(lambda: {"vote_labels": vote_labels.labels})
    bp.context_processor(
        lambda: {"declared_waiting": declared_votes.waiting, "new_declare_id": new_client_id}
    )
    for rule, view, methods in (
        ("/<int:meeting_id>/live", live, ["GET"]),
        ("/<int:meeting_id>/console", console, ["GET"]),
        ("/<int:meeting_id>/session/<action>", session_action, ["POST"]),
        ("/<int:meeting_id>/current-item", move_to, ["POST"]),
        ("/<int:meeting_id>/attendance/check-in", check_in, ["POST"]),
        ("/<int:meeting_id>/attendance/check-out", check_out, ["POST"]),
        ("/<int:meeting_id>/speakers", ask, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/withdraw", withdraw, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/floor", give_floor, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/end", end_floor, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/move", reorder, ["POST"]),
        ("/<int:meeting_id>/proxy", grant_proxy, ["POST"]),
        ("/<int:meeting_id>/proxy/revoke", revoke_proxy, ["POST"]),
        ("/<int:meeting_id>/polls", prepare_poll, ["POST"]),
        ("/<int:meeting_id>/polls/<int:poll_id>/open", open_poll, ["POST"]),
        ("/<int:meeting_id>/polls/<int:poll_id>/close", close_poll, ["POST"]),
        ("/<int:meeting_id>/polls/<int:poll_id>/ballot", cast_ballot, ["POST"]),
        ("/<int:meeting_id>/polls/<int:poll_id>/conflict", declare_conflict, ["POST"]),
        ("/<int:meeting_id>/polls/<int:poll_id>/declare", declare_vote, ["POST"]),
        ("/<int:meeting_id>/polls/<int:poll_id>/decision", record_decision, ["POST"]),
    ):
        bp.add_url_rule(rule, view_func=door()(view) if "POST" in methods else view,
                        methods=methods)  # fmt: skip
