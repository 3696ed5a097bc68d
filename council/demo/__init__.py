"""The demo council of Brescia: zones, Punti di comunità, organisations and people.

Names of organisations and people are invented; the zones and neighbourhoods are the city's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from council import clock
from council.db import Base, Database
from council.demo.amendments import load_amendments
from council.demo.archive import load_archive
from council.demo.consultations import load_consultations
from council.demo.discussions import discuss
from council.demo.meetings import load_meetings
from council.demo.minutes import load_minutes
from council.demo.proposals import load_proposals
from council.domain.accounts import accounts
from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.models.organisation import Organisation
from council.models.user import AccountStatus, CouncilGroup, Role, User
from council.unit_of_work import unit_of_work

PASSWORD = "consiglio-demo"

ZONES = {
    "Zona Nord": ["Mompiano", "Villaggio Prealpino", "San Bartolomeo"],
    "Zona Sud": ["Lamarmora", "Villaggio Sereno", "Chiesanuova"],
    "Zona Est": ["San Polo", "Sanpolino", "Buffalora"],
    "Zona Ovest": ["Fiumicello", "Primo Maggio", "Urago Mella"],
    "Zona Centro": ["Centro storico", "Porta Venezia"],
}

# (name, kind, zone, Punto di comunità or None)
ORGANISATIONS = [
    ("Cooperativa sociale Il Ponte", "Cooperativa sociale", "Zona Est", "San Polo"),
    ("Associazione Vicini di Casa", "Associazione di promozione sociale", "Zona Est", "Sanpolino"),
    ("Banco del Tempo Buffalora", "Associazione di volontariato", "Zona Est", "Buffalora"),
    ("Cooperativa La Rondine", "Cooperativa sociale", "Zona Est", None),
    ("Oratorio San Polo Nuovo", "Ente religioso", "Zona Est", "San Polo"),
    (
        "Associazione Genitori Lamarmora",
        "Associazione di promozione sociale",
        "Zona Sud",
        "Lamarmora",
    ),
    ("Cooperativa Tessere Legami", "Cooperativa sociale", "Zona Sud", "Villaggio Sereno"),
    ("Auser Chiesanuova", "Associazione di volontariato", "Zona Sud", "Chiesanuova"),
    ("Fondazione Casa Aperta", "Fondazione", "Zona Sud", None),
    ("Associazione Mamme del Mondo", "Associazione di volontariato", "Zona Sud", "Lamarmora"),
    ("Cooperativa Nuovi Orizzonti", "Cooperativa sociale", "Zona Ovest", "Fiumicello"),
    (
        "Associazione Primo Maggio Insieme",
        "Associazione di promozione sociale",
        "Zona Ovest",
        "Primo Maggio",
    ),
    (
        "Polisportiva Urago Mella",
        "Associazione sportiva dilettantistica",
        "Zona Ovest",
        "Urago Mella",
    ),
    ("Caritas parrocchiale Fiumicello", "Ente religioso", "Zona Ovest", "Fiumicello"),
    ("Cooperativa Il Filo d'Erba", "Cooperativa sociale", "Zona Ovest", None),
    (
        "Associazione Amici del Prealpino",
        "Associazione di volontariato",
        "Zona Nord",
        "Villaggio Prealpino",
    ),
    ("Cooperativa Mompiano Solidale", "Cooperativa sociale", "Zona Nord", "Mompiano"),
    (
        "Centro Anziani San Bartolomeo",
        "Associazione di promozione sociale",
        "Zona Nord",
        "San Bartolomeo",
    ),
    ("Associazione Sentieri di Inclusione", "Associazione di volontariato", "Zona Nord", None),
    ("Fondazione Dopo di Noi Brescia", "Fondazione", "Zona Nord", None),
    ("Cooperativa Porta Aperta", "Cooperativa sociale", "Zona Centro", "Porta Venezia"),
    ("Associazione Strade Sicure", "Associazione di volontariato", "Zona Centro", "Centro storico"),
    (
        "Emporio Solidale del Centro",
        "Associazione di volontariato",
        "Zona Centro",
        "Centro storico",
    ),
    ("Consorzio Cooperative Bresciane", "Consorzio di cooperative", "Zona Centro", None),
    (
        "Associazione Italiano per Tutti",
        "Associazione di promozione sociale",
        "Zona Centro",
        "Porta Venezia",
    ),
    ("Cooperativa Abitare Insieme", "Cooperativa sociale", "Zona Centro", None),
    ("Associazione Disabilità e Diritti", "Associazione di promozione sociale", "Zona Sud", None),
    ("Gruppo Volontari Ospedale", "Associazione di volontariato", "Zona Nord", None),
    ("Associazione Giovani in Rete", "Associazione di promozione sociale", "Zona Ovest", None),
    ("Comune di Brescia, Settore Servizi sociali", "Ente pubblico", "Zona Centro", None),
]

FIRST = ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Paolo", "Elena", "Andrea",
         "Sara", "Davide", "Anna", "Stefano", "Laura", "Matteo", "Silvia", "Alessandro",
         "Valentina", "Giorgio", "Martina", "Roberto", "Federica", "Simone", "Elisa",
         "Fabio", "Ilaria", "Nicola", "Paola", "Massimo", "Barbara", "Enrico", "Monica",
         "Lorenzo", "Cristina"]  # fmt: skip
LAST = ["Bonetti", "Ferrari", "Zanola", "Pasotti", "Gatta", "Bertoli", "Cavalli", "Rizzi",
        "Lombardi", "Tonoli", "Bianchi", "Pedrali", "Sala", "Frassine", "Abeni", "Martinelli",
        "Ghidini", "Bettinzoli", "Rossi", "Togni", "Venturini", "Maffi", "Scalvini",
        "Guerini", "Zubani", "Pialorsi", "Lancini", "Facchetti", "Raza", "Nodari", "Berta",
        "Comini", "Medeghini"]  # fmt: skip

DEMO_MARK = "admin@example.org"
SET_UP_AGO = timedelta(days=150)  # the council, its people and topics: before every proposal


def _person(index: int) -> str:
    return f"{FIRST[index % len(FIRST)]} {LAST[(index * 7) % len(LAST)]}"


def reset(database: Database) -> None:
    """Empty every table (the record too): the demo starts over."""
    assert database.engine is not None
    database.remove_session()
    with database.engine.begin() as connection:
        # Break the cycles first (a version names its amendment, an amendment its version).
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_key_constraints:
                if fk.use_alter:
                    connection.execute(table.update().values({c.name: None for c in fk.columns}))
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))


def load() -> bool:
    """Load the demo council; returns False when it is already there.

    Its history is written at the story's times (council/clock.py): the council set up
    months ago, each proposal, meeting and vote on the days the story tells; what the story
    places today (the live session to try, the amendments still open) at the real time."""
    try:
        return _load()
    finally:
        clock.set_story(None)


def _load() -> bool:
    with unit_of_work() as db:
        if db.scalar(select(User).where(User.email == DEMO_MARK)) is not None:
            return False
        clock.set_story(clock.now().replace(hour=9, minute=0) - SET_UP_AGO)
        zones = {}
        points = {}
        for zone_name, neighbourhoods in ZONES.items():
            zone = organisations.save_zone(
                db, SYSTEM, None, name=zone_name,
                description=f"Quartieri: {', '.join(neighbourhoods)}.",
            )  # fmt: skip
            zones[zone_name] = zone
            for hood in neighbourhoods[:2] if zone_name != "Zona Est" else neighbourhoods:
                points[hood] = organisations.save_community_point(
                    db, SYSTEM, None, name=f"Punto di comunità {hood}", zone=zone,
                    address=f"Via {hood} 1, Brescia",
                )  # fmt: skip
        orgs: list[Organisation] = []
        for name, kind, zone_name, point_hood in ORGANISATIONS:
            orgs.append(
                organisations.save_organisation(
                    db,
                    SYSTEM,
                    None,
                    name=name,
                    kind=kind,
                    zone=zones[zone_name],
                    community_point=points.get(point_hood) if point_hood else None,
                )
            )
        third_sector = orgs[:-1]
        city = orgs[-1]

        accounts.create_user(
            db, SYSTEM, email="admin@example.org", name="Amministrazione piattaforma",
            password=PASSWORD, roles={Role.ADMIN},
        )  # fmt: skip
        accounts.create_user(
            db, SYSTEM, email="presidente@example.org", name="Teresa Gnutti",
            password=PASSWORD, roles={Role.CHAIR, Role.MEMBER},
            council_group=CouncilGroup.ADMINISTRATION, organisation=city,
        )  # fmt: skip
        accounts.create_user(
            db, SYSTEM, email="segretario@example.org", name="Pietro Archetti",
            password=PASSWORD, roles={Role.SECRETARY, Role.MEMBER},
            council_group=CouncilGroup.ADMINISTRATION, organisation=city,
        )  # fmt: skip
        for n in range(1, 24):
            administration = n <= 6
            accounts.create_user(
                db, SYSTEM, email=f"consigliere{n}@example.org", name=_person(n),
                password=PASSWORD, roles={Role.MEMBER},
                council_group=(CouncilGroup.ADMINISTRATION if administration
                               else CouncilGroup.THIRD_SECTOR),
                organisation=city if administration else third_sector[(n * 3) % len(third_sector)],
            )  # fmt: skip
        for n in range(1, 11):
            accounts.create_user(
                db, SYSTEM, email=f"portatore{n}@example.org", name=_person(n + 23),
                password=PASSWORD, roles={Role.STAKEHOLDER},
                organisation=third_sector[(n * 5 + 1) % len(third_sector)],
            )  # fmt: skip
        set_up = clock.now()
        clock.set_story(None)  # a registration of today, waiting for the secretariat
        accounts.register_stakeholder(
            db, email="nuova.realta@example.org", name="Caterina Bazzani", password=PASSWORD,
            organisation=third_sector[2],
        )  # fmt: skip
        assert db.scalar(select(User).where(User.status == AccountStatus.PENDING)) is not None
        clock.set_story(set_up)
        load_proposals(db, discuss)
        load_amendments(db)
        load_meetings(db)
        load_consultations(db)
        load_minutes(db)
        load_archive(db)
    return True
