"""Demo data: synthetic clients made through the same services the API calls, as the
people who would make them. Names are synthetic and personal identity codes temporary
(individual numbers 900-999)."""

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from strawberry import ID

from authz.principal import Principal
from graph.context import Context, Runtime
from graph.domain.personal_id import make as make_personal_id
from graph.services import (
    applications,
    attachments,
    clients,
    consents,
    decisions,
    guardianships,
    notices,
    plans,
)
from graph.types.application import ApplicationInput, UrgencyInput
from graph.types.attachment import AttachmentInput
from graph.types.client_inputs import DigitalProfileInput, RegisterClientInput
from graph.types.consent import ConsentGrantInput, ProhibitionInput
from graph.types.decision import (
    BasicAmountReductionInput,
    CalculationRowInput,
    DecisionInput,
    PaymentCommitmentInput,
)
from graph.types.notice import NoticeInput
from graph.types.plan import (
    LifeAreaInput,
    LifeSituationInput,
    MeasureInput,
    PlanInput,
    ServiceNeedAssessmentInput,
)
from graph.unit_of_work import acting
from schema.enums import (
    ApplicationChannel,
    AssessmentStatus,
    AttachmentKind,
    CalculationRowType,
    ConsentMethod,
    DataCategory,
    DecisionKind,
    DecisionOutcome,
    GuardianshipKind,
    Language,
    NoticeOutcome,
    NoticeStatus,
    NoticeType,
    OrganisationType,
    PlanStatus,
    Role,
)
from schema.models import Client

T = TypeVar("T")
FINNISH_FIRST = [
    "Aino",
    "Eero",
    "Helmi",
    "Juho",
    "Kaisa",
    "Lauri",
    "Minna",
    "Niko",
    "Oona",
    "Pekka",
    "Riikka",
    "Sami",
    "Tiina",
    "Ville",
]
FINNISH_LAST = [
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
]
SWEDISH_FIRST = ["Astrid", "Björn", "Ebba", "Gustav", "Linnea", "Mats", "Sofia", "Viktor"]
SWEDISH_LAST = ["Lindholm", "Sjöberg", "Westerlund", "Åkerman", "Grönqvist", "Nyström"]
ORGANISERS = ["wc-pirkanmaa", "helsinki", "wc-lappi", "wc-varsinais-suomi", "wc-pohjois-savo"]
SWEDISH_ORGANISERS = ["wc-pohjanmaa", "wc-ita-uusimaa"]
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


@dataclass
class DemoClock:
    """The demo's time: it starts twelve days back and moves forward as data is made,
    so notices show every traffic light; then it is the real time again."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=12))

    def __call__(self) -> datetime:
        return self.now

    def to(self, moment: datetime) -> None:
        self.now = min(max(self.now, moment), datetime.now(UTC))


def staff(
    role: Role, organisation: str, organisation_type: OrganisationType, name: str
) -> Principal:
    return Principal(
        subject=f"demo-{role.value}-{organisation}",
        roles=frozenset({role}),
        organisation_id=organisation,
        organisation_type=organisation_type,
        person=None,
        azp="infocap-demo",
        name=name,
    )


KELA = staff(Role.kela_handler, "kela", OrganisationType.KELA, "Kaisa Käsittelijä")


def worker(organisation: str) -> Principal:
    kind = (
        OrganisationType.MUNICIPALITY
        if organisation == "helsinki"
        else OrganisationType.WELLBEING_COUNTY
    )
    return staff(Role.social_worker, organisation, kind, "Sanna Sosiaalityöntekijä")


def person(role: Role, code: str, name: str) -> Principal:
    return Principal(
        subject=f"demo-{role.value}-{code}",
        roles=frozenset({role}),
        organisation_id=None,
        organisation_type=None,
        person=code,
        azp="infocap-demo",
        name=name,
    )


@dataclass
class Seeded:
    client_person: str
    guardian_person: str
    example_client: str


class Seeder:
    def __init__(self, runtime: Runtime, clock: DemoClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.random = random.Random(2017)  # noqa: S311  (synthetic data, not secrets)
        self.serial = 0
        self.informed: set[str] = set()

    def code(self, born: date) -> str:
        self.serial += 1
        return make_personal_id(born, 900 + self.serial % 100)

    def street(self) -> str:
        name = self.random.choice(["Koulukatu", "Rantatie", "Kirkkokatu", "Storgatan"])
        return f"{name} {self.random.randint(1, 40)}"

    def later(self, hours: float) -> None:
        self.clock.to(self.clock.now + timedelta(hours=hours))

    async def do(self, who: Principal, action: Callable[[Context], Awaitable[T]]) -> T:
        """``action`` as ``who``, in a unit of work of its own."""
        async with acting(self.runtime, who) as ctx:
            return await action(ctx)

    async def client(self, organiser: str, name: str, born: date, **extra: Any) -> tuple[str, str]:
        code = self.code(born)
        data = RegisterClientInput(
            personal_id=code,
            name=name,
            language=extra.pop("language", Language.FI),
            organiser_id=ID(organiser),
            address=extra.pop("address", self.street()),
            phone=f"+358 40 {self.random.randint(100, 999)} {self.random.randint(1000, 9999)}",
            email=f"{name.split()[0].lower()}.{self.serial}@example.fi",
            digital_profile=DigitalProfileInput(
                has_equipment=self.random.random() > 0.2, has_skills=self.random.random() > 0.3
            ),
            purpose="Toimeentulotuen asiakkuus",
            **extra,
        )
        view = await self.do(worker(organiser), lambda ctx: clients.register(ctx, data))
        self.later(1)
        return str(view.row.id), code

    async def relationship(self, code: str, name: str, organiser: str, purpose: str) -> None:
        """``organiser``'s staff register a code that already is a client: it opens
        their client relationship, and changes nothing of the client's."""
        data = RegisterClientInput(
            personal_id=code,
            name=name,
            language=Language.FI,
            organiser_id=ID(organiser),
            purpose=purpose,
        )
        await self.do(worker(organiser), lambda ctx: clients.register(ctx, data))
        self.later(1)

    async def plan(
        self, client_id: str, organiser: str, *, health: str = "Uniongelmia, lääkitys aloitettu."
    ) -> None:
        data = PlanInput(
            status=PlanStatus.ACTIVE,
            life_situation=LifeSituationInput(
                economy=LifeAreaInput(
                    summary="Vuokrarästejä kahdelta kuukaudelta.", support_needed=True
                ),
                family=LifeAreaInput(
                    summary="Asuu yksin, tytär opiskelee toisella paikkakunnalla.",
                    support_needed=False,
                ),
                health=LifeAreaInput(summary=health, support_needed=True),
                housing=LifeAreaInput(
                    summary="Vuokrasopimus voimassa, irtisanomisen uhka.", support_needed=True
                ),
            ),
            goals=["Vuokrarästit maksusuunnitelmaan", "Työkokeilu kevään aikana"],
            measures=[
                MeasureInput(
                    description="Talous- ja velkaneuvonta",
                    responsible_organisation_id=ID(organiser),
                    due=self.clock.now.date() + timedelta(days=30),
                ),
                MeasureInput(
                    description="Kelan kuntoutusselvitys", responsible_organisation_id=ID("kela")
                ),
            ],
            service_need_assessment=ServiceNeedAssessmentInput(
                status=AssessmentStatus.COMPLETED,
                outcome="Sosiaalityön asiakkuus",
                date=self.clock.now.date(),
            ),
            kela_special_service_planned=True,
            kela_special_service="Erityispalvelu: henkilökohtainen asiointi",
            next_follow_up=self.clock.now.date() + timedelta(days=60),
        )
        await self.do(worker(organiser), lambda ctx: plans.save(ctx, client_id, data, None))
        self.later(2)

    async def kela_case(self, client_id: str, n: int) -> None:
        received = self.clock.now - timedelta(days=2)
        application = await self.do(
            KELA,
            lambda ctx: applications.record(
                ctx,
                ApplicationInput(
                    client_id=ID(client_id),
                    received_at=received,
                    channel=self.random.choice(list(ApplicationChannel)),
                    external_id=f"KELA-HAK-{n:05d}",
                    urgency=UrgencyInput(
                        urgent=n % 5 == 0, grounds="Ruoka-avun tarve" if n % 5 == 0 else None
                    ),
                ),
            ),
        )
        rent = self.random.randint(450, 900) * 100
        reduction = (
            BasicAmountReductionInput(
                percent=20,
                grounds="Kieltäytyi työstä",
                until=self.clock.now.date() + timedelta(days=60),
            )
            if n % 7 == 3
            else None
        )
        data = DecisionInput(
            client_id=ID(client_id),
            kind=DecisionKind.BASIC,
            external_id=f"KELA-PTT-{n:05d}",
            decided_at=self.clock.now,
            outcome=DecisionOutcome.GRANTED,
            total_amount_cents=rent + 55_580,
            period_start=self.clock.now.date().replace(day=1),
            period_end=self.clock.now.date().replace(day=28),
            grounds="Perusosa ja asumismenot hyväksytty.",
            application_id=ID(str(application.id)),
            calculation=[
                CalculationRowInput(
                    type=CalculationRowType.EXPENSE, description="Perusosa", amount_cents=55_580
                ),
                CalculationRowInput(
                    type=CalculationRowType.EXPENSE, description="Vuokra", amount_cents=rent
                ),
                CalculationRowInput(
                    type=CalculationRowType.INCOME, description="Asumistuki", amount_cents=0
                ),
            ],
            basic_amount_reduction=reduction,
            payment_commitments=[
                PaymentCommitmentInput(payee="Apteekki", purpose="Lääkkeet", amount_cents=4_500)
            ]
            if n % 4 == 0
            else [],
        )
        await self.do(KELA, lambda ctx: decisions.record(ctx, data))
        self.later(3)

    async def county_decision(self, client_id: str, organiser: str, n: int) -> None:
        data = DecisionInput(
            client_id=ID(client_id),
            kind=DecisionKind.SUPPLEMENTARY,
            external_id=f"{organiser.upper()}-TTT-{n:05d}",
            decided_at=self.clock.now,
            outcome=DecisionOutcome.PARTIALLY_GRANTED,
            total_amount_cents=12_000,
            grounds="Silmälasit myönnetty, muut menot hylätty.",
            calculation=[
                CalculationRowInput(
                    type=CalculationRowType.EXPENSE, description="Silmälasit", amount_cents=12_000
                )
            ],
        )
        await self.do(worker(organiser), lambda ctx: decisions.record(ctx, data))
        self.later(1)

    async def attachment(
        self, who: Principal, client_id: str, kind: AttachmentKind, name: str
    ) -> str:
        content = PDF + name.encode()
        row = await self.do(
            who,
            lambda ctx: attachments.upload(
                ctx,
                AttachmentInput(
                    client_id=ID(client_id), kind=kind, filename=name, media_type="application/pdf"
                ),
                _Upload(content),
            ),
        )
        return str(row.id)

    async def notice(
        self, client_id: str, organiser: str, kind: NoticeType, n: int, until: NoticeStatus
    ) -> None:
        sender, recipient = (KELA, organiser)
        if kind in (NoticeType.PLAN_SHARED, NoticeType.DECISION_ISSUED, NoticeType.STATEMENT):
            sender, recipient = (worker(organiser), "kela")
        data = NoticeInput(
            client_id=ID(client_id),
            type=kind,
            recipient_id=ID(recipient),
            external_id=f"DEMO-{n:05d}",
            detail="Asiakas pyysi yhteydenottoa sosiaalityöhön.",
        )
        row = await self.do(sender, lambda ctx: notices.send(ctx, data))
        handler = KELA if recipient == "kela" else worker(recipient)
        path = {
            NoticeStatus.SENT: [],
            NoticeStatus.RECEIVED: [NoticeStatus.RECEIVED],
            NoticeStatus.IN_PROGRESS: [NoticeStatus.RECEIVED, NoticeStatus.IN_PROGRESS],
            NoticeStatus.CLOSED: [
                NoticeStatus.RECEIVED,
                NoticeStatus.IN_PROGRESS,
                NoticeStatus.CLOSED,
            ],
            NoticeStatus.CANCELLED: [NoticeStatus.CANCELLED],
        }[until]
        for status in path:
            self.later(5)
            who = sender if status == NoticeStatus.CANCELLED else handler
            outcome = NoticeOutcome.CLIENT_REACHED if status == NoticeStatus.CLOSED else None
            async with acting(self.runtime, who) as ctx:
                await notices.move(ctx, str(row.id), status, outcome, None, None)
        self.later(2)

    async def consent(
        self,
        who: Principal,
        client_id: str,
        grantee: str,
        categories: list[DataCategory],
        method: ConsentMethod = ConsentMethod.ELECTRONIC,
    ) -> int:
        """A grant, after the client was told how their data is shared (once per client);
        a written one recorded by staff with the signed form as its evidence."""
        if client_id not in self.informed:
            await self.do(
                who,
                lambda ctx: consents.informed(ctx, client_id, "2026-1", "kela.fi/tietosuoja"),
            )
            self.informed.add(client_id)
        evidence = None
        if method == ConsentMethod.WRITTEN:
            evidence = await self.attachment(
                who, client_id, AttachmentKind.OTHER, "suostumuslomake.pdf"
            )
        data = ConsentGrantInput(
            client_id=ID(client_id),
            grantee_id=ID(grantee),
            categories=categories,
            purpose="Toimeentulotuen käsittely",
            method=method,
            evidence_attachment_id=None if evidence is None else ID(evidence),
        )
        event = await self.do(who, lambda ctx: consents.grant(ctx, data))
        self.later(1)
        return int(event.seq)


@dataclass
class _Upload:
    content: bytes
    filename: str | None = None
    content_type: str | None = "application/pdf"

    async def read(self, size: int = -1) -> bytes:
        return self.content if size < 0 else self.content[:size]


async def seed(runtime: Runtime, clock: DemoClock) -> Seeded | None:
    """Fill an empty database with the demo's clients; ``None`` if it already has clients."""
    async with runtime.sessions() as session:
        if await session.scalar(select(func.count()).select_from(Client)):
            return None
    s = Seeder(runtime, clock)
    aino, aino_code = await s.client("wc-pirkanmaa", "Aino Virtanen", date(1988, 4, 12))
    await s.plan(aino, "wc-pirkanmaa")
    await s.kela_case(aino, 1)
    await s.county_decision(aino, "wc-pirkanmaa", 1)
    await s.attachment(
        person(Role.client, aino_code, "Aino Virtanen"),
        aino,
        AttachmentKind.RENT_AGREEMENT,
        "vuokrasopimus.pdf",
    )
    await s.attachment(
        worker("wc-pirkanmaa"), aino, AttachmentKind.MEDICAL_STATEMENT, "lääkärinlausunto.pdf"
    )
    await s.attachment(KELA, aino, AttachmentKind.BANK_STATEMENT, "tiliote.pdf")
    me = person(Role.client, aino_code, "Aino Virtanen")
    await s.consent(
        me, aino, "kela", [DataCategory.PLAN, DataCategory.LIFE_ECONOMY, DataCategory.LIFE_HOUSING]
    )
    await s.notice(aino, "wc-pirkanmaa", NoticeType.CONCERN_NOTICE, 1, NoticeStatus.IN_PROGRESS)
    await s.notice(aino, "wc-pirkanmaa", NoticeType.PLAN_SHARED, 2, NoticeStatus.RECEIVED)
    await s.notice(aino, "wc-lappi", NoticeType.APPLICATION_TRANSFER, 3, NoticeStatus.SENT)
    # Aino is moving north: Lapland's social work opens its own client relationship.
    await s.relationship(
        aino_code, "Aino Virtanen", "wc-lappi", "Asiakas muuttaa Lappiin: toimeentulotuen jatko"
    )

    protected, _ = await s.client(
        "helsinki",
        "Eero Korhonen",
        date(1979, 9, 30),
        protected_identity=True,
        address="(turvakielto)",
    )
    await s.kela_case(protected, 2)
    await s.notice(protected, "helsinki", NoticeType.LONG_TERM_RECIPIENT, 4, NoticeStatus.CLOSED)

    parent_code = s.code(date(1985, 2, 3))
    minor, _ = await s.client(
        "wc-pohjanmaa", "Ebba Sjöberg", date(2010, 6, 15), language=Language.SV
    )
    await s.do(
        worker("wc-pohjanmaa"),
        lambda ctx: guardianships.record(
            ctx, minor, parent_code, GuardianshipKind.PARENT_OF_MINOR, None, None
        ),
    )
    await s.kela_case(minor, 3)
    guardian = person(Role.guardian, parent_code, "Sofia Sjöberg")
    await s.consent(guardian, minor, "kela", [DataCategory.LIFE_FAMILY])

    ward, _ = await s.client("wc-varsinais-suomi", "Pekka Mäkinen", date(1951, 11, 2))
    await s.do(
        worker("wc-varsinais-suomi"),
        lambda ctx: guardianships.record(
            ctx, ward, parent_code, GuardianshipKind.GUARDIAN_ECONOMIC, None, None
        ),
    )
    await s.kela_case(ward, 4)
    await s.county_decision(ward, "wc-varsinais-suomi", 2)

    types = list(NoticeType)
    statuses = list(NoticeStatus)
    for n in range(5, 29):
        swedish = n % 4 == 0
        organiser = s.random.choice(SWEDISH_ORGANISERS if swedish else ORGANISERS)
        first = s.random.choice(SWEDISH_FIRST if swedish else FINNISH_FIRST)
        last = s.random.choice(SWEDISH_LAST if swedish else FINNISH_LAST)
        born = date(s.random.randint(1950, 2004), s.random.randint(1, 12), s.random.randint(1, 28))
        client_id, code = await s.client(
            organiser, f"{first} {last}", born, language=Language.SV if swedish else Language.FI
        )
        await s.kela_case(client_id, n)
        if n % 2:
            await s.plan(client_id, organiser)
        if n % 3 == 0:
            await s.county_decision(client_id, organiser, n)
        kind = types[n % len(types)]
        if kind == NoticeType.SERVICE_NEED_ASSESSMENT_REQUEST:
            await s.consent(
                person(Role.client, code, first), client_id, organiser, [DataCategory.NOTICE_DETAIL]
            )
        if kind == NoticeType.PLAN_SHARED:
            if not n % 2:
                await s.plan(client_id, organiser)
            await s.consent(KELA, client_id, "kela", [DataCategory.PLAN], ConsentMethod.WRITTEN)
        await s.notice(client_id, organiser, kind, n, statuses[n % len(statuses)])
        if n % 6 == 1:
            prohibition = ProhibitionInput(
                client_id=ID(client_id), category=DataCategory.LIFE_HEALTH
            )
            async with acting(runtime, person(Role.client, code, first)) as ctx:
                await consents.prohibit(ctx, prohibition)
    return Seeded(client_person=aino_code, guardian_person=parent_code, example_client=aino)
