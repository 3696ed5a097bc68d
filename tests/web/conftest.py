"""Fixtures shared by the web tests: a small council and browsers logged in by role."""

from __future__ import annotations

import pytest

from tests.meeting_helpers import detach, make_council


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user))


@pytest.fixture
def as_(make_web, council):
    """as_("chair") or as_(person) -> a browser logged in as that person ("public" or None:
    nobody)."""

    def factory(who=None):
        web = make_web()
        person = {
            "chair": council.chair, "secretary": council.secretary,
            "member": council.members[0], "member2": council.members[1],
            "stakeholder": council.stakeholder, "admin": council.admin,
        }.get(who) if isinstance(who, str) else who  # fmt: skip
        if person is not None:
            web.login(person.email)
        return web

    return factory
