"""The Finnish and Swedish labels of every enum value the API serves, for UIs to show
(``Query.enumLabels``). Terms follow the glossary of the domain specification (Kela /
FPA, hyvinvointialue / välfärdsområde, huoli-ilmoitus / anmälan om oro, …).

Keyed by the GraphQL enum's name and the value's name; a test fails when an enum of the
schema, or one of its values, has no label here, or a label names no enum value.
"""

from collections.abc import Mapping

Labels = Mapping[str, Mapping[str, tuple[str, str]]]
"""enum name → value → (fi, sv)"""

LABELS: Labels = {
    "AccessAction": {
        "READ": ("Luku", "Läsning"),
        "WRITE": ("Muutos", "Ändring"),
    },
    "ApplicationChannel": {
        "ONLINE": ("Verkkoasiointi", "E-tjänst"),
        "GUIDED": ("Avustettu asiointi", "Handledd ansökan"),
        "PAPER": ("Paperihakemus", "Pappersansökan"),
        "PHONE": ("Puhelin", "Telefon"),
    },
    "ApplicationStatus": {
        "RECEIVED": ("Vastaanotettu", "Mottagen"),
        "IN_PROCESSING": ("Käsittelyssä", "Under behandling"),
        "WAITING_FOR_INFORMATION": ("Odottaa lisäselvitystä", "Väntar på tilläggsutredning"),
        "DECIDED": ("Ratkaistu", "Avgjord"),
    },
    "AssessmentStatus": {
        "NOT_STARTED": ("Ei aloitettu", "Inte påbörjad"),
        "IN_PROGRESS": ("Kesken", "Pågår"),
        "COMPLETED": ("Valmis", "Slutförd"),
    },
    "AttachmentKind": {
        "RENT_AGREEMENT": ("Vuokrasopimus", "Hyresavtal"),
        "BANK_STATEMENT": ("Tiliote", "Kontoutdrag"),
        "INVOICE": ("Lasku", "Räkning"),
        "MEDICAL_STATEMENT": ("Lääkärinlausunto", "Läkarutlåtande"),
        "SOCIAL_CARE_STATEMENT": ("Sosiaalihuollon lausunto", "Socialvårdens utlåtande"),
        "OTHER": ("Muu liite", "Annan bilaga"),
    },
    "Authority": {
        "KELA": ("Kela", "FPA"),
        "WELLBEING_COUNTY": ("Hyvinvointialue", "Välfärdsområde"),
    },
    "Basis": {
        "SELF": ("Omat tiedot", "Egna uppgifter"),
        "GUARDIANSHIP": ("Edunvalvonta tai huoltajuus", "Intressebevakning eller vårdnad"),
        "OWN": ("Organisaation oma tieto", "Organisationens egen uppgift"),
        "STATUTORY": ("Lakiin perustuva", "Lagstadgad"),
        "CONSENT": ("Suostumus", "Samtycke"),
        "REGISTRATION": ("Asiakkaaksi kirjaaminen", "Registrering som klient"),
    },
    "CalculationRowType": {
        "INCOME": ("Tulo", "Inkomst"),
        "EXPENSE": ("Meno", "Utgift"),
    },
    "ChangeEntity": {
        "CLIENT": ("Asiakas", "Klient"),
        "PLAN": ("Asiakassuunnitelma", "Klientplan"),
        "APPLICATION": ("Hakemus", "Ansökan"),
        "DECISION": ("Päätös", "Beslut"),
        "ATTACHMENT": ("Liite", "Bilaga"),
        "NOTICE": ("Ilmoitus", "Meddelande"),
        "CONSENT_EVENT": ("Suostumustapahtuma", "Samtyckeshändelse"),
    },
    "ChangeOp": {
        "CREATED": ("Luotu", "Skapad"),
        "UPDATED": ("Muutettu", "Ändrad"),
    },
    "ClientOrder": {
        "REGISTRATION": ("Kirjaamisjärjestys", "Registreringsordning"),
        "NAME": ("Nimi", "Namn"),
    },
    "ConsentEventType": {
        "INFORMED": ("Asiakasta informoitu", "Klienten informerad"),
        "GRANT": ("Suostumus annettu", "Samtycke givet"),
        "WITHDRAW": ("Suostumus peruttu", "Samtycke återkallat"),
        "PROHIBIT": ("Luovutuskielto asetettu", "Utlämningsförbud meddelat"),
        "LIFT_PROHIBITION": ("Luovutuskielto poistettu", "Utlämningsförbud hävt"),
    },
    "ConsentMethod": {
        "ELECTRONIC": ("Sähköisesti", "Elektroniskt"),
        "WRITTEN": ("Kirjallisesti", "Skriftligt"),
        "ORAL": ("Suullisesti", "Muntligt"),
    },
    "DataCategory": {
        "IDENTITY": ("Henkilötiedot", "Personuppgifter"),
        "PERSONAL_ID": ("Henkilötunnus", "Personbeteckning"),
        "CONTACT": ("Yhteystiedot", "Kontaktuppgifter"),
        "PLAN": ("Asiakassuunnitelma", "Klientplan"),
        "LIFE_ECONOMY": ("Talous", "Ekonomi"),
        "LIFE_FAMILY": ("Perhe ja läheiset", "Familj och närstående"),
        "LIFE_HEALTH": ("Terveys ja toimintakyky", "Hälsa och funktionsförmåga"),
        "LIFE_HOUSING": ("Asuminen", "Boende"),
        "APPLICATION": ("Hakemukset", "Ansökningar"),
        "KELA_DECISION": ("Kelan päätökset", "FPA:s beslut"),
        "KELA_CALCULATION": ("Kelan laskelmat", "FPA:s kalkyler"),
        "WC_DECISION": ("Hyvinvointialueen päätökset", "Välfärdsområdets beslut"),
        "ATTACHMENT": ("Liitteet", "Bilagor"),
        "HEALTH_ATTACHMENT": ("Terveystietoja sisältävät liitteet", "Bilagor med hälsouppgifter"),
        "NOTICE": ("Ilmoitukset", "Meddelanden"),
        "NOTICE_DETAIL": ("Ilmoitusten sisältö", "Meddelandenas innehåll"),
        "CONSENT": ("Suostumukset ja luovutuskiellot", "Samtycken och utlämningsförbud"),
        "ACCESS_LOG": ("Tietojen käyttöloki", "Logg över användningen av uppgifter"),
    },
    "DecisionKind": {
        "BASIC": ("Perustoimeentulotuki", "Grundläggande utkomststöd"),
        "BASIC_URGENT": (
            "Kiireellinen perustoimeentulotuki",
            "Brådskande grundläggande utkomststöd",
        ),
        "SUPPLEMENTARY": ("Täydentävä toimeentulotuki", "Kompletterande utkomststöd"),
        "PREVENTIVE": ("Ehkäisevä toimeentulotuki", "Förebyggande utkomststöd"),
    },
    "DecisionOutcome": {
        "GRANTED": ("Myönteinen", "Beviljat"),
        "PARTIALLY_GRANTED": ("Osittain myönteinen", "Delvis beviljat"),
        "REJECTED": ("Hylätty", "Avslag"),
    },
    "GuardianshipKind": {
        "PARENT_OF_MINOR": ("Alaikäisen huoltaja", "Vårdnadshavare för minderårig"),
        "GUARDIAN_FULL": ("Edunvalvoja", "Intressebevakare"),
        "GUARDIAN_ECONOMIC": (
            "Edunvalvoja (taloudelliset asiat)",
            "Intressebevakare (ekonomiska angelägenheter)",
        ),
    },
    "Language": {
        "FI": ("Suomi", "Finska"),
        "SV": ("Ruotsi", "Svenska"),
        "SE": ("Saame", "Samiska"),
        "EN": ("Englanti", "Engelska"),
        "OTHER": ("Muu kieli", "Annat språk"),
    },
    "MeasureStatus": {
        "PLANNED": ("Suunniteltu", "Planerad"),
        "IN_PROGRESS": ("Käynnissä", "Pågår"),
        "DONE": ("Toteutunut", "Genomförd"),
        "CANCELLED": ("Peruttu", "Inställd"),
    },
    "NoticeDirection": {
        "RECEIVED": ("Saapuneet", "Mottagna"),
        "SENT": ("Lähetetyt", "Skickade"),
        "BOTH": ("Kaikki", "Alla"),
    },
    "NoticeEventKind": {
        "SENT": ("Ilmoitus lähetetty", "Meddelande skickat"),
        "MOVED": ("Tila muuttunut", "Status ändrad"),
    },
    "NoticeOutcome": {
        "CLIENT_REACHED": ("Asiakas tavoitettu", "Klienten nåddes"),
        "CLIENT_NOT_REACHED": ("Asiakasta ei tavoitettu", "Klienten nåddes inte"),
        "ASSESSMENT_STARTED": (
            "Palvelutarpeen arviointi aloitettu",
            "Bedömning av servicebehov inledd",
        ),
        "PLAN_MADE": ("Asiakassuunnitelma laadittu", "Klientplan upprättad"),
        "NO_ACTION_NEEDED": ("Ei toimenpiteitä", "Inga åtgärder behövs"),
        "TRANSFERRED": ("Siirretty", "Överförd"),
    },
    "NoticeStatus": {
        "SENT": ("Lähetetty", "Skickad"),
        "RECEIVED": ("Vastaanotettu", "Mottagen"),
        "IN_PROGRESS": ("Käsittelyssä", "Under behandling"),
        "CLOSED": ("Käsitelty", "Avslutad"),
        "CANCELLED": ("Peruttu", "Återkallad"),
    },
    "NoticeType": {
        "APPLICATION_TRANSFER": ("Hakemuksen siirto", "Överföring av ansökan"),
        "SERVICE_NEED_ASSESSMENT_REQUEST": (
            "Pyyntö palvelutarpeen arvioinnista",
            "Begäran om bedömning av servicebehov",
        ),
        "CONCERN_NOTICE": ("Huoli-ilmoitus", "Anmälan om oro"),
        "BASIC_AMOUNT_REDUCTION": ("Perusosan alentaminen", "Sänkning av grunddelen"),
        "LONG_TERM_RECIPIENT": (
            "Pitkäaikainen toimeentulotuen saaja",
            "Långvarig mottagare av utkomststöd",
        ),
        "URGENCY_ASSESSMENT": ("Kiireellisyyden arviointi", "Bedömning av brådskande behov"),
        "PLAN_SHARED": ("Asiakassuunnitelma tiedoksi", "Klientplan för kännedom"),
        "DECISION_ISSUED": ("Päätös tiedoksi", "Beslut för kännedom"),
        "STATEMENT": ("Sosiaalihuollon lausunto", "Socialvårdens utlåtande"),
    },
    "OrganisationType": {
        "KELA": ("Kela", "FPA"),
        "WELLBEING_COUNTY": ("Hyvinvointialue", "Välfärdsområde"),
        "MUNICIPALITY": ("Kunta", "Kommun"),
    },
    "PlanStatus": {
        "DRAFT": ("Luonnos", "Utkast"),
        "ACTIVE": ("Voimassa", "Gällande"),
        "CLOSED": ("Päättynyt", "Avslutad"),
    },
    "PlanType": {
        "CLIENT_PLAN": ("Asiakassuunnitelma", "Klientplan"),
        "ACTIVATION_PLAN": ("Aktivointisuunnitelma", "Aktiveringsplan"),
        "INDEPENDENCE_PLAN": ("Itsenäistymissuunnitelma", "Plan för verselbständigande"),
        "WORK_ABILITY_PLAN": ("Työkykysuunnitelma", "Arbetsförmågeplan"),
    },
    "RedactionReason": {
        "NOT_PERMITTED": ("Ei käyttöoikeutta", "Ingen behörighet"),
        "CONSENT_REQUIRED": ("Vaatii asiakkaan suostumuksen", "Kräver klientens samtycke"),
        "PROTECTED_IDENTITY": ("Turvakielto", "Spärrmarkering"),
    },
    "RelationshipOrigin": {
        "RESPONSIBLE": ("Vastuullinen järjestäjä", "Ansvarig anordnare"),
        "REGISTRATION": ("Asiakkaaksi kirjaaminen", "Registrering som klient"),
    },
    "Role": {
        "kela_handler": ("Etuuskäsittelijä", "Förmånshandläggare"),
        "kela_advisor": ("Palveluneuvoja", "Servicerådgivare"),
        "social_worker": ("Sosiaalityöntekijä", "Socialarbetare"),
        "social_counsellor": ("Sosiaaliohjaaja", "Socialhandledare"),
        "guardian": ("Edunvalvoja tai huoltaja", "Intressebevakare eller vårdnadshavare"),
        "client": ("Asiakas", "Klient"),
        "dpo": ("Tietosuojavastaava", "Dataskyddsombud"),
    },
    "RowType": {
        "APPLICATION": ("Hakemus", "Ansökan"),
        "DECISION": ("Päätös", "Beslut"),
        "ATTACHMENT": ("Liite", "Bilaga"),
        "NOTICE": ("Ilmoitus", "Meddelande"),
    },
    "TrafficLight": {
        "GREEN": ("Vihreä: aikaa on jäljellä", "Grön: tid återstår"),
        "YELLOW": ("Keltainen: yli puolet ajasta käytetty", "Gul: över halva tiden har gått"),
        "RED": ("Punainen: myöhässä", "Röd: försenad"),
    },
}
