"""The demo's archive is worth opening: its decisions are found by words, its approved
decisions show several implementation states with dated updates, and the pages read well."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from council.domain.archive import archive
from council.domain.archive.archive import ArchiveFilters
from council.extensions import db
from council.models.archive import ImplementationState
from tests.factories import reread
from tests.web.test_archive_pages import numbers_on, words


def test_the_demo_archive_says_what_was_decided_and_done(demo, client):
    reread()
    public = AnonymousUserMixin()
    everything = archive.search(db.session, public, ArchiveFilters())
    assert everything.total >= 4
    states = {
        state
        for state in ImplementationState
        if archive.search(db.session, public, ArchiveFilters(status=state)).total
    }
    assert {ImplementationState.NOT_STARTED, ImplementationState.IN_PROGRESS,
            ImplementationState.COMPLETED} <= states  # fmt: skip
    transport = archive.search(db.session, public, ArchiveFilters(words="trasporti visita medica"))
    assert transport.total == 1 and transport.rows[0].proposal is not None
    assert archive.search(db.session, public, ArchiveFilters(words="volontari")).total >= 1

    listed = client.get("/decisions/implementation")
    assert listed.status_code == 200
    seen = words(listed)
    assert "in corso" in seen and "completata" in seen and "2 aggiornamenti" in seen
    assert len(numbers_on(listed)) == 4  # the approved decisions only
    page = client.get(f"/decisions/{transport.rows[0].year}/{transport.rows[0].seq:03d}")
    assert "Affidato il servizio alle due cooperative" in words(page)
