"""Texts of the demo proposals (invented, about Brescia's welfare). Each entry: the filing
organisation, topic, zones, versions as (title, markdown body, change note), the state to reach
(none: a draft), when it was submitted and how long the consultation lasts, co-signers and
supporting organisations."""

from __future__ import annotations

CUSTODE_1 = """Nei condomini Aler di San Polo vivono molte persone anziane sole e famiglie con \
fragilità economiche. Chi abita nelle torri di via Cimabue e di via Raffaello racconta di \
bollette non capite, piccoli guasti che restano mesi senza risposta, vicini che non si \
conoscono.

Proponiamo un **custode sociale**: una figura presente quattro mattine a settimana, con un \
piccolo ufficio al piano terra, che conosce gli inquilini, segnala i guasti ad Aler, accompagna \
chi ha bisogno verso i servizi sociali e il Punto di comunità.

Il custode non sostituisce l'assistente sociale: è un punto di riferimento vicino, che \
riconosce presto le situazioni difficili.

## Costi e tempi

- un operatore a 24 ore settimanali per due anni;
- il locale messo a disposizione da Aler;
- una verifica a metà percorso con gli inquilini."""

CUSTODE_2 = (
    CUSTODE_1.replace(
        "quattro mattine a settimana",
        "quattro mattine e un pomeriggio a settimana",
    )
    + """

## Chi partecipa

Il Banco del Tempo di Buffalora e l'Associazione Vicini di Casa offrono volontari per le \
attività di vicinato: feste di scala, accompagnamenti, piccoli aiuti."""
)

CUSTODE_3 = CUSTODE_2.replace(
    "- una verifica a metà percorso con gli inquilini.",
    "- una verifica a metà percorso con gli inquilini e con il Consiglio di quartiere;\n"
    "- un breve rapporto pubblico alla fine di ogni anno.",
)

TRASPORTO_1 = """Molti anziani dei quartieri periferici rinunciano a visite ed esami perché non \
sanno come arrivare agli Spedali Civili, a Poliambulanza o agli ambulatori di via Corsica. Il \
trasporto pubblico non basta quando si cammina male o si deve essere a digiuno alle sette.

Proponiamo una **rete di trasporto solidale** con volontari autisti, coordinata da una centrale \
unica di prenotazione: una telefonata almeno tre giorni prima, un'auto che passa a prendere \
la persona e la riporta a casa.

- Le associazioni mettono i volontari e alcune auto attrezzate.
- Il Comune copre assicurazione, carburante e il costo della centrale.
- I medici di base informano i pazienti che ne hanno diritto.

Nel primo anno si parte dalle zone Sud, Ovest e Nord, dove le distanze sono maggiori."""

TRASPORTO_2 = (
    TRASPORTO_1.replace(
        "una telefonata almeno tre giorni prima",
        "una telefonata o un messaggio almeno due giorni prima",
    )
    + """

Chi ha un reddito ISEE superiore a 25.000 euro contribuisce con un rimborso chilometrico \
simbolico, da definire con i sindacati dei pensionati."""
)

COMPITI_1 = """Nei Punti di comunità di Lamarmora, Villaggio Sereno e Fiumicello molte famiglie \
chiedono un luogo dove i ragazzi delle medie possano fare i compiti con qualcuno che li \
aiuti, soprattutto dove i genitori lavorano su turni o non parlano bene l'italiano.

Proponiamo uno **spazio compiti** due pomeriggi a settimana in ciascun Punto, con un \
educatore e volontari (studenti universitari, insegnanti in pensione), in accordo con le scuole \
del territorio.

Lo spazio è gratuito; le famiglie si impegnano a un colloquio all'inizio dell'anno e a un \
incontro a metà anno con l'educatore."""

COMPITI_2 = (
    COMPITI_1
    + """

Gli studenti universitari possono riconoscere le ore come tirocinio, grazie a una convenzione \
con l'Università degli Studi di Brescia."""
)

CASA_1 = """Le famiglie sfrattate o in emergenza abitativa oggi passano da un ufficio \
all'altro: servizi sociali, Aler, agenzie per l'affitto, associazioni. Spesso le stesse \
informazioni vengono chieste più volte e le risposte arrivano tardi.

Proponiamo uno **sportello casa unico** in centro, aperto tre giorni a settimana, dove \
operatori del Comune e del terzo settore lavorano insieme: ascolto, orientamento, accesso al \
fondo affitti, ricerca di soluzioni temporanee."""

CASA_2 = (
    CASA_1
    + """

Lo sportello tiene un registro anonimo delle richieste, per capire ogni anno quante famiglie \
sono in difficoltà e perché."""
)

CASA_3 = CASA_2.replace("tre giorni a settimana", "tre giorni a settimana, uno di pomeriggio")

PARCHI_1 = """D'estate molti ragazzi dei quartieri a ovest non hanno dove ritrovarsi la sera. \
Proponiamo di tenere aperti fino a mezzanotte i parchi Gallo e Ducos, con illuminazione \
rafforzata, animatori di strada e attività sportive gratuite dal giovedì alla domenica.

Le associazioni sportive del quartiere offrono campi e istruttori; al Comune chiediamo la \
vigilanza e la pulizia straordinaria."""

DORMITORIO_1 = """Ogni inverno le persone senza dimora in città sono più dei posti nei \
dormitori. Alcune parrocchie hanno locali che potrebbero accogliere da quattro a otto persone \
per notte, con volontari presenti.

Proponiamo un **dormitorio invernale diffuso**: una rete di piccole accoglienze nelle \
parrocchie, coordinata dalla Caritas, con un unico punto di accesso serale e il trasporto \
garantito.

Il Comune fornisce brande, coperte, assicurazione e il coordinamento con l'unità di strada."""

ASCOLTO_1 = """Molti giovani tra i 18 e i 30 anni con ansia, ritiro sociale o primi segnali di \
disagio psichico non arrivano ai servizi di salute mentale, o ci arrivano tardi.

Proponiamo un **punto di ascolto** a Fiumicello, aperto due sere a settimana, con uno \
psicologo e un educatore, senza bisogno di impegnativa, collegato al Centro psico-sociale per \
gli invii quando servono."""

ASCOLTO_2 = (
    ASCOLTO_1
    + """

Il punto collabora con gli allenatori e gli educatori degli oratori, che spesso sono i primi a \
notare un ragazzo che si ritira."""
)

MERCATI_1 = """Alcune persone con disabilità intellettiva cercano un'esperienza di lavoro vera, \
all'aperto, a contatto con la gente. I mercati rionali di Lamarmora e di Villaggio Sereno \
possono offrirla.

Proponiamo **inserimenti lavorativi protetti** presso i banchi che aderiscono: tre mattine a \
settimana, con un tutor della cooperativa, una borsa lavoro e una valutazione dopo sei mesi.

*Bozza da completare con i costi e con l'elenco dei banchi disponibili.*"""

EMPORIO_1 = """L'Emporio solidale del centro distribuisce ogni settimana spesa a oltre duecento \
famiglie. Chi ha una disabilità motoria o vive solo e non esce di casa spesso non riesce a \
venire a ritirarla.

Proponiamo un servizio di **consegna a domicilio** una volta a settimana, con volontari e un \
furgone attrezzato, per le persone segnalate dai servizi sociali o dai medici di base.

Il servizio parte dalle zone Centro e Nord, dove abitano quasi metà delle persone interessate."""

ITALIANO_1 = """Molte mamme arrivate da poco in città non frequentano i corsi di italiano \
perché non sanno a chi lasciare i figli piccoli.

Proponiamo **corsi di italiano con spazio bimbi**: due mattine a settimana, nei Punti di \
comunità di Porta Venezia e Lamarmora, con un'insegnante e due volontarie che intanto giocano \
con i bambini nella stanza accanto.

Ai corsi si affiancano incontri sul funzionamento dei servizi: pediatra, scuola, consultorio, \
anagrafe."""

PROPOSALS: list[dict] = [
    {
        "organisation": "Oratorio San Polo Nuovo",
        "topic": "Casa e abitare",
        "zones": ["Zona Est"],
        "versions": [
            ("Custode sociale nei condomini Aler di San Polo", CUSTODE_1, ""),
            ("Custode sociale nei condomini Aler di San Polo", CUSTODE_2,
             "Aggiunto un pomeriggio di presenza e le associazioni che partecipano."),
            ("Custode sociale nei condomini Aler di San Polo", CUSTODE_3,
             "Verifica anche con il Consiglio di quartiere e rapporto annuale pubblico."),
        ],
        "state": "consultation",
        "submitted_days_ago": 6,
        "consultation_days": 35,
        "cosigners": ["Banco del Tempo Buffalora", "Associazione Vicini di Casa",
                      "Cooperativa La Rondine"],
        "supports": ["Cooperativa Tessere Legami", "Auser Chiesanuova",
                     "Centro Anziani San Bartolomeo", "Emporio Solidale del Centro",
                     "Associazione Strade Sicure"],
    },
    {
        "organisation": "Auser Chiesanuova",
        "topic": "Anziani",
        "zones": ["Zona Sud", "Zona Ovest", "Zona Nord"],
        "versions": [
            ("Rete di trasporto solidale per visite mediche degli anziani", TRASPORTO_1, ""),
            ("Rete di trasporto solidale per le visite mediche degli anziani", TRASPORTO_2,
             "Prenotazione anche con un messaggio; contributo per i redditi più alti."),
        ],
        "state": "consultation",
        "submitted_days_ago": 40,
        "consultation_days": 34,
        "cosigners": ["Gruppo Volontari Ospedale"],
        "supports": ["Centro Anziani San Bartolomeo", "Cooperativa Mompiano Solidale",
                     "Caritas parrocchiale Fiumicello", "Associazione Primo Maggio Insieme",
                     "Associazione Disabilità e Diritti", "Cooperativa Tessere Legami"],
    },
    {
        "organisation": "Associazione Genitori Lamarmora",
        "topic": "Famiglie e minori",
        "zones": ["Zona Sud", "Zona Ovest"],
        "versions": [
            ("Spazio compiti nei Punti di comunità", COMPITI_1, ""),
            ("Spazio compiti nei Punti di comunità", COMPITI_2,
             "Convenzione con l'Università per i tirocini."),
        ],
        "state": "on_agenda",
        "submitted_days_ago": 50,
        "consultation_days": 30,
        "supports": ["Oratorio San Polo Nuovo", "Associazione Giovani in Rete",
                     "Associazione Italiano per Tutti", "Polisportiva Urago Mella"],
    },
    {
        "organisation": "Cooperativa Abitare Insieme",
        "topic": "Casa e abitare",
        "zones": ["Zona Centro", "Zona Sud"],
        "versions": [
            ("Sportello casa unico per le famiglie in emergenza abitativa", CASA_1, ""),
            ("Sportello casa unico per le famiglie in emergenza abitativa", CASA_2,
             "Aggiunto il registro anonimo delle richieste."),
            ("Sportello casa unico per le famiglie in emergenza abitativa", CASA_3,
             "Un'apertura pomeridiana per chi lavora."),
        ],
        "state": "approved",
        "submitted_days_ago": 120,
        "consultation_days": 30,
        "supports": ["Fondazione Casa Aperta", "Caritas parrocchiale Fiumicello",
                     "Emporio Solidale del Centro"],
    },
    {
        "organisation": "Associazione Giovani in Rete",
        "topic": "Giovani",
        "zones": ["Zona Ovest"],
        "versions": [("Parchi aperti la sera d'estate per i ragazzi", PARCHI_1, "")],
        "state": "rejected",
        "submitted_days_ago": 100,
        "consultation_days": 30,
        "supports": ["Polisportiva Urago Mella"],
    },
    {
        "organisation": "Caritas parrocchiale Fiumicello",
        "topic": "Povertà e grave marginalità",
        "zones": ["Zona Ovest", "Zona Centro"],
        "versions": [("Dormitorio invernale diffuso nelle parrocchie", DORMITORIO_1, "")],
        "state": "withdrawn",
        "reason": "Le accoglienze sono confluite nel Piano freddo comunale 2026/27.",
        "submitted_days_ago": 70,
        "consultation_days": 45,
        "supports": ["Emporio Solidale del Centro"],
    },
    {
        "organisation": "Cooperativa Nuovi Orizzonti",
        "topic": "Salute mentale",
        "zones": ["Zona Ovest"],
        "versions": [
            ("Punto di ascolto per la salute mentale dei giovani adulti", ASCOLTO_1, ""),
            ("Punto di ascolto per la salute mentale dei giovani adulti", ASCOLTO_2,
             "Collaborazione con oratori e società sportive."),
        ],
        "state": "referred_back",
        "reason": "Serve il parere dell'ASST Spedali Civili e una stima dei costi del personale.",
        "submitted_days_ago": 80,
        "consultation_days": 30,
        "supports": ["Fondazione Dopo di Noi Brescia", "Associazione Giovani in Rete"],
    },
    {
        "organisation": "Cooperativa Tessere Legami",
        "topic": "Lavoro e inclusione",
        "zones": ["Zona Sud"],
        "versions": [("Inserimenti lavorativi protetti nei mercati rionali", MERCATI_1, "")],
        "cosigners": ["Associazione Disabilità e Diritti"],
        "accepted": 0,
    },
    {
        "organisation": "Emporio Solidale del Centro",
        "topic": "Disabilità",
        "zones": ["Zona Centro", "Zona Nord"],
        "versions": [
            ("Spesa a domicilio dall'Emporio solidale per le persone con disabilità",
             EMPORIO_1, ""),
        ],
        "state": "consultation",
        "submitted_days_ago": 12,
        "consultation_days": 22,
        "supports": ["Associazione Disabilità e Diritti", "Fondazione Dopo di Noi Brescia"],
    },
    {
        "organisation": "Associazione Italiano per Tutti",
        "topic": "Cittadini stranieri",
        "zones": ["Zona Centro", "Zona Sud"],
        "versions": [("Corsi di italiano per mamme straniere con spazio bimbi", ITALIANO_1, "")],
        "state": "consultation",
        "submitted_days_ago": 2,
        "consultation_days": 40,
        "cosigners": ["Associazione Mamme del Mondo"],
        "supports": ["Associazione Genitori Lamarmora"],
    },
]  # fmt: skip
