"""Demo discussions on the demo proposals: threads with stances, replies two and three levels
deep, a comment on one paragraph, an edited comment, one deleted by its author and one hidden
by the secretariat with its reason. Everything goes through the domain operations, so the
record and the notifications tell the same story.

The proposals' loader calls discuss() for each proposal while it is in consultation, before
any later transition, so the record keeps the true order: submitted, versions, supports,
comments, then the agenda and the outcome. Comments are posted at moments spread over the
consultation (the operations' `now`), like the proposals' own backdated submissions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council import clock
from council.domain.discussion import comments
from council.models.comment import Comment
from council.models.proposal import Proposal
from council.models.user import User

# Who speaks: the local part of a demo account's e-mail, or "author" for the proposal's author.
# A thread: by, text, stance (optional), paragraph (optional, index of the current version's
# paragraph), edit (new text, new stance), delete (True), hide (the public reason), replies.
THREADS: dict[str, list[dict]] = {
    "Custode sociale nei condomini Aler di San Polo": [
        {
            "by": "consigliere8",
            "stance": "in_favour",
            "text": "Conosco bene le torri di via Cimabue: il problema dei guasti che restano "
            "mesi senza risposta è reale. Un custode che parla direttamente con Aler farebbe "
            "risparmiare tempo a tutti, anche agli uffici.",
            "replies": [
                {
                    "by": "portatore3",
                    "text": "D'accordo. Però chiederei ad Aler un impegno scritto sui tempi di "
                    "risposta alle segnalazioni del custode, altrimenti diventa solo un "
                    "ufficio reclami.",
                    "replies": [
                        {
                            "by": "author",
                            "text": "Buona idea: nella prossima versione possiamo chiedere "
                            "un protocollo con Aler, con tempi massimi per i guasti urgenti.",
                            "replies": [
                                {
                                    "by": "consigliere8",
                                    "text": "Aggiungerei che il rapporto annuale riporti "
                                    "anche quanti guasti sono stati risolti e in quanto tempo.",
                                },
                            ],
                        },
                    ],
                },
                {
                    "by": "consigliere2",
                    "text": "Per l'Amministrazione il locale al piano terra è già stato "
                    "individuato con Aler in via Raffaello.",
                },
            ],
        },
        {
            "by": "portatore6",
            "stance": "neutral",
            "paragraph": 1,
            "text": "Quattro mattine e un pomeriggio sono poche per due torri con più di "
            "duecento appartamenti. Si è valutato di partire da una sola torre e allargare "
            "dopo la verifica?",
        },
        {
            "by": "consigliere14",
            "stance": "against",
            "text": "Due anni di operatore costano quanto un'assistente sociale in più.",
            "edit": (
                "Due anni di operatore costano quanto un'assistente sociale in più sul "
                "territorio. Preferirei rafforzare il servizio sociale di zona e lasciare ai "
                "volontari le attività di vicinato.",
                "against",
            ),
            "replies": [
                {
                    "by": "portatore2",
                    "stance": "in_favour",
                    "text": "Sono due lavori diversi: il custode intercetta chi ai servizi "
                    "non ci arriva. I volontari del Banco del Tempo da soli non bastano.",
                },
            ],
        },
        {
            "by": "portatore8",
            "text": "Questi inquilini se la sono cercata, non meritano un euro dei nostri soldi.",
            "hide": "Il commento offende le persone che abitano nei condomini, invece di "
            "discutere la proposta (regolamento della piattaforma, punto 3).",
        },
    ],
    "Rete di trasporto solidale per le visite mediche degli anziani": [
        {
            "by": "consigliere17",
            "stance": "in_favour",
            "text": "A Chiesanuova i volontari Auser lo fanno già in modo informale: "
            "metterli in rete con una centrale unica è il passo giusto.",
            "replies": [
                {
                    "by": "author",
                    "text": "Esatto, e la centrale permette di non lasciare scoperte le "
                    "richieste quando un volontario non è disponibile.",
                },
            ],
        },
        {
            "by": "consigliere5",
            "stance": "neutral",
            "text": "Il contributo per gli ISEE sopra i 25.000 euro va concordato anche con "
            "l'ufficio tariffe del Comune: serve una delibera di giunta.",
        },
        {
            "by": "portatore10",
            "stance": "in_favour",
            "text": "Chiediamo che le auto attrezzate possano trasportare anche una "
            "carrozzina: oggi è il vero ostacolo per molte persone.",
        },
    ],
    "Spazio compiti nei Punti di comunità": [
        {
            "by": "portatore5",
            "stance": "in_favour",
            "text": "Al Villaggio Sereno lo spazio compiti dell'oratorio ha una lista "
            "d'attesa di trenta ragazzi. Serve davvero.",
            "replies": [
                {
                    "by": "consigliere11",
                    "text": "Si potrebbe coordinare con l'oratorio per non sovrapporre i "
                    "pomeriggi?",
                    "replies": [
                        {
                            "by": "portatore5",
                            "text": "Sì, l'oratorio è disponibile: noi il martedì e il "
                            "giovedì, loro il lunedì e il mercoledì.",
                        },
                    ],
                },
            ],
        },
        {
            "by": "consigliere20",
            "stance": "neutral",
            "text": "Il colloquio iniziale con le famiglie è importante, ma va fatto con un "
            "mediatore per chi non parla italiano.",
        },
    ],
    "Sportello casa unico per le famiglie in emergenza abitativa": [
        {
            "by": "portatore1",
            "stance": "in_favour",
            "text": "Finalmente un solo indirizzo da dare alle famiglie. Il registro anonimo "
            "ci aiuterà a portare dati veri in Consiglio.",
        },
        {
            "by": "consigliere9",
            "stance": "in_favour",
            "text": "Chiedo che l'apertura pomeridiana sia il giovedì, quando anche "
            "l'ufficio Aler riceve fino alle 17.",
            "replies": [
                {
                    "by": "author",
                    "text": "Accolto: l'apertura pomeridiana sarà il giovedì.",
                },
            ],
        },
        {
            "by": "consigliere4",
            "stance": "neutral",
            "text": "Per l'Amministrazione va bene, purché gli operatori del terzo settore "
            "abbiano una formazione comune sul fondo affitti.",
        },
    ],
    "Parchi aperti la sera d'estate per i ragazzi": [
        {
            "by": "consigliere3",
            "stance": "against",
            "text": "La vigilanza fino a mezzanotte per quattro sere la settimana non è "
            "sostenibile con l'organico attuale della Polizia locale.",
            "replies": [
                {
                    "by": "author",
                    "text": "Si può partire con due sere e con gli animatori di strada, che "
                    "sono già finanziati dal progetto estivo.",
                    "replies": [
                        {
                            "by": "consigliere3",
                            "text": "Con due sere e senza vigilanza fissa la valutazione "
                            "cambia: ripresentatela così.",
                        },
                    ],
                },
            ],
        },
        {
            "by": "portatore7",
            "stance": "in_favour",
            "text": "Al parco Ducos d'estate i ragazzi ci sono comunque: meglio che ci siano "
            "anche gli educatori.",
        },
        {
            "by": "consigliere21",
            "stance": "against",
            "text": "Il parco Gallo confina con case abitate: il rumore fino a mezzanotte "
            "creerebbe conflitti con i residenti.",
        },
    ],
    "Spesa a domicilio dall'Emporio solidale per le persone con disabilità": [
        {
            "by": "portatore9",
            "stance": "in_favour",
            "text": "Conosciamo almeno quindici persone in zona Nord che ne avrebbero bisogno "
            "subito.",
            "replies": [
                {
                    "by": "consigliere16",
                    "text": "Servirà un criterio chiaro su chi segnala: servizi sociali e "
                    "medici di base, come scritto, o anche le associazioni?",
                    "replies": [
                        {
                            "by": "author",
                            "text": "Anche le associazioni, con una scheda concordata con i "
                            "servizi sociali: spesso sono le prime a sapere chi non esce "
                            "più di casa.",
                        },
                    ],
                },
            ],
        },
        {
            "by": "consigliere13",
            "text": "Perché solo Centro e Nord? In zona Est ci sono almeno venti persone "
            "nelle stesse condizioni.",
            "delete": True,
            "replies": [
                {
                    "by": "portatore9",
                    "text": "Partiamo da dove abbiamo già i volontari; la zona Est può "
                    "entrare nel secondo anno.",
                },
            ],
        },
    ],
    "Corsi di italiano per mamme straniere con spazio bimbi": [
        {
            "by": "portatore4",
            "stance": "in_favour",
            "text": "Le mamme del nostro gruppo chiedono proprio questo. Possiamo offrire "
            "due volontarie per lo spazio bimbi a Lamarmora.",
        },
    ],
    "Punto di ascolto per la salute mentale dei giovani adulti": [
        {
            "by": "consigliere19",
            "stance": "in_favour",
            "text": "Il legame con gli allenatori è la parte più preziosa della proposta.",
        },
        {
            "by": "consigliere6",
            "stance": "neutral",
            "text": "Prima di decidere serve il parere dell'ASST: il collegamento con il CPS "
            "deve essere formalizzato.",
        },
    ],
}


def _person(db: Session, proposal: Proposal, who: str) -> User | None:
    if who == "author":
        return db.get(User, proposal.author_id)
    return db.scalar(select(User).where(User.email == f"{who}@example.org"))


def _moments(proposal: Proposal, count: int, now: datetime) -> list[datetime]:
    """Evenly spread moments between the submission and the end of the consultation."""
    start = proposal.submitted_at or proposal.created_at
    end = min(proposal.consultation_deadline or now, now - timedelta(hours=1))
    step = (end - start) / (count + 1)
    return [start + step * (i + 1) for i in range(count)]


def _count(threads: list[dict]) -> int:
    return sum(1 + _count(t.get("replies", [])) for t in threads)


class _Thread:
    """Posts a proposal's threads at the given moments, each inside the consultation."""

    def __init__(self, db: Session, proposal: Proposal, moments: list[datetime]) -> None:
        self.db, self.proposal, self.moments = db, proposal, iter(moments)
        self.secretary = _person(db, proposal, "segretario")

    def post(self, spec: dict, parent: Comment | None = None) -> None:
        author = _person(self.db, self.proposal, spec["by"])
        if author is None:
            return
        moment = next(self.moments)
        clock.set_story(moment)  # the record events at the story's time (council/clock.py)
        comment = comments.post_comment(
            self.db, author, self.proposal, spec["text"], stance=spec.get("stance"),
            parent=parent, paragraph=spec.get("paragraph"), now=moment,
        )  # fmt: skip
        for reply in spec.get("replies", []):
            self.post(reply, comment)
        later = moment + timedelta(minutes=30)
        clock.set_story(later)
        if "edit" in spec:
            text, stance = spec["edit"]
            comments.edit_comment(self.db, author, comment, text, stance, now=later)
        if spec.get("delete"):
            comments.delete_comment(self.db, author, comment, now=later)
        if "hide" in spec and self.secretary is not None:
            comments.hide_comment(self.db, self.secretary, comment, spec["hide"])
        self.db.flush()
        clock.set_story(None)


def discuss(db: Session, proposal: Proposal) -> None:
    """Post the demo threads of this proposal, if it has any; it must be in consultation."""
    threads = THREADS.get(proposal.title)
    if not threads:
        return
    writer = _Thread(db, proposal, _moments(proposal, _count(threads), datetime.now(UTC)))
    for spec in threads:
        writer.post(spec)
