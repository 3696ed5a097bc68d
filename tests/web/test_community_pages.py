"""The public pages of who takes part (organisations, zones, Punti di comunità): what each
shows, what it never shows (e-mail addresses, accounts not approved, drafts), the Punto di
comunità as a filter of proposals and decisions, pages, and queries that do not grow with
the rows."""

from __future__ import annotations

import pytest

from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.community_helpers import cosign, in_zone, make_town, save_org
from tests.factories import make_proposal
from tests.statements import statements_of


@pytest.fixture
def town(make_user, zone, organisation):
    return make_town(make_user, zone, organisation)


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


PRIVATE = ("@example.org", "mailto:", "Paola Attesa", "Dario Disattivo", "Bozza riservata")


def assert_nothing_private(html: str) -> None:
    for text in PRIVATE:
        assert text not in html


def test_an_organisation_shows_its_council_members_proposals_cosignings_and_decisions(client, town):
    html = page(client, f"/organisations/{town.faro.id}")
    assert "Associazione Il Faro" in html
    assert "Punto Est" in html and "Zona Est" in html
    # its people on the council, by name and role: the chair is a council member too
    assert "Chiara Verdi" in html and "Presidente, Consigliere" in html
    assert "Mario Bianchi" in html
    assert "Stefano Portavoce" not in html  # a stakeholder does not sit on the council
    assert "Orti condivisi al Punto Est" in html  # filed
    assert "Doposcuola di quartiere" in html  # co-signed
    assert "Invito ancora aperto" not in html  # invited, never accepted
    assert "Mensa solidale del Faro" in html and town.decided.number in html
    assert_nothing_private(html)


def test_an_organisation_without_people_or_proposals_says_so(client, town):
    html = page(client, f"/organisations/{town.ponte.id}")
    assert "Nessuna persona di questa organizzazione siede nel Consiglio." in html
    assert "Ancora nessuna deliberazione sulle sue proposte." in html
    assert "Questa organizzazione non ha ancora co-firmato proposte." in html


def test_the_list_of_organisations_shows_the_active_ones_by_zone_and_point(client, town):
    html = page(client, "/organisations")
    assert "Associazione Il Faro" in html and "Cooperativa Il Ponte" in html
    assert "Circolo Chiuso" not in html
    assert "2 organizzazioni" in html
    of_point = page(client, f"/organisations?point={town.point.id}")
    assert "Associazione Il Faro" in of_point and "Cooperativa Il Ponte" not in of_point
    of_west = page(client, f"/organisations?zone={town.west.id}")
    assert "Nessuna organizzazione" in of_west
    # a page no longer active is still reachable, and says so
    assert "non più attiva" in page(client, f"/organisations/{town.gone.id}")


def test_a_zone_shows_its_points_organisations_proposals_and_decisions(client, town):
    html = page(client, f"/zones/{town.zone.id}")
    assert "Punto Est" in html and "Via Milano 12, Brescia" in html
    assert "Associazione Il Faro" in html and "Cooperativa Il Ponte" in html
    assert "Navetta per gli anziani" in html  # the proposal names the zone
    assert "Orti condivisi al Punto Est" not in html  # it does not
    assert "Mensa solidale del Faro" in html
    assert_nothing_private(html)
    zones = page(client, "/zones")
    assert "Zona Est" in zones and "Zona Ovest" in zones
    assert "1 Punto di comunità" in zones and "2 organizzazioni" in zones
    west = page(client, f"/zones/{town.west.id}")
    assert "Ancora nessun Punto di comunità in questa zona." in west


def test_a_community_point_shows_where_who_and_what_concerns_it(client, town):
    html = page(client, f"/community-points/{town.point.id}")
    assert "Via Milano 12, Brescia" in html and "Zona Est" in html
    assert "Associazione Il Faro" in html and "Circolo Chiuso" not in html
    assert "Orti condivisi al Punto Est" in html and "Doposcuola di quartiere" in html
    assert "Navetta per gli anziani" not in html and "Invito ancora aperto" not in html
    assert "Mensa solidale del Faro" in html
    assert_nothing_private(html)
    points = page(client, "/community-points")
    assert "Punto Est" in points and "1 organizzazione" in points


def test_the_point_filters_proposals_and_decisions(client, town):
    html = page(client, f"/proposals?point={town.point.id}")
    assert "Orti condivisi al Punto Est" in html and "Doposcuola di quartiere" in html
    assert "Navetta per gli anziani" not in html and "Invito ancora aperto" not in html
    assert "Bozza riservata" not in html
    assert "Mensa solidale del Faro" in html and "3 proposte" in html  # the decided one too
    decisions = page(client, f"/decisions?point={town.point.id}")
    assert "Mensa solidale del Faro" in decisions
    assert "Punto di comunità: <strong>Punto Est</strong>" in decisions  # an active filter
    with unit_of_work() as session:
        empty = organisations.save_community_point(
            session, SYSTEM, None, name="Punto Vuoto", zone=session.merge(town.zone)
        )
    assert "Mensa solidale" not in page(client, f"/decisions?point={empty.id}")
    assert "Nessuna proposta corrisponde" in page(client, f"/proposals?point={empty.id}")


def test_links_from_the_proposal_and_decision_pages(client, town):
    html = page(client, f"/proposals/{town.signed.id}")
    assert f'href="/organisations/{town.faro.id}"' in html  # a co-signer
    assert f'href="/organisations/{town.ponte.id}"' in html  # the proposer
    decision = page(client, f"/decisions/{town.decided.year}/{town.decided.seq:03d}")
    assert f'href="/organisations/{town.faro.id}"' in decision
    assert f'href="/zones/{town.zone.id}"' in decision


@pytest.mark.parametrize(
    "path", ["/organisations/999999", "/zones/999999", "/community-points/999999",
             "/organisations?zone=999999", "/organisations?point=999999",
             "/community-points?zone=999999", "/organisations/abc"],
)  # fmt: skip
def test_unknown_ones_are_not_found(client, town, path):
    page(client, path, 404)


def test_long_lists_come_in_pages(client, zone):
    for n in range(35):
        save_org(f"Realtà numero {n:02d}", zone)
    first = page(client, "/organisations")
    assert "Realtà numero 00" in first and "Realtà numero 34" not in first
    assert "Pagina 1 di 2" in first
    second = page(client, "/organisations?page=2")
    assert "Realtà numero 34" in second and "Realtà numero 00" not in second


def queries(client, path: str) -> int:
    """How many SELECTs answering this request takes (in this thread)."""
    return len(statements_of(lambda: page(client, path), selects=True))


def test_queries_do_not_grow_with_the_rows(client, town, make_user):
    paths = [f"/organisations/{town.faro.id}", f"/zones/{town.zone.id}",
             f"/community-points/{town.point.id}", "/organisations", "/zones",
             "/community-points"]  # fmt: skip
    before = {path: queries(client, path) for path in paths}
    for n in range(6):
        with unit_of_work() as session:  # a Punto each: nothing shared to be read once
            point = organisations.save_community_point(
                session, SYSTEM, None, name=f"Punto {n}", zone=session.merge(town.zone)
            )
        org = save_org(f"Altra realtà {n}", town.zone, point if n % 2 else town.point)
        db.session.remove()  # the rows the requests read are not mixed with these
        person = make_user("member", "stakeholder", name=f"Persona {n}", organisation=org)
        cosign(make_proposal(person, title=f"Proposta numero {n}"), town.faro)
        in_zone(archived(person, title=f"Decisione {n}", organisation=org).proposal_id, town.zone)
        db.session.remove()
        make_user("member", name=f"Consigliera {n}", organisation=town.faro)
    after = {path: queries(client, path) for path in paths}
    assert after == before
