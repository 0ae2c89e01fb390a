"""Which clients exist for a principal: the SQL condition used by lists and search gives
the same answer as the relation rules applied client by client."""

import itertools
from datetime import timedelta

from sqlalchemy import select

from authz.facts import load_access
from authz.principal import Principal
from authz.visibility import visible_clients
from graph.domain.workdays import helsinki_date
from schema.enums import OrganisationType, Role
from schema.models import Client
from tests.factories import KELA_HANDLER, personal_id, record_guardianship, register, send_notice
from tests.support import principal


async def test_sql_visibility_agrees_with_the_relation_rules(api, clock):
    parent, economic, stranger = personal_id(), personal_id(), personal_id()
    today = helsinki_date(clock.now)
    pirkanmaa = await register(api, organiserId="wc-pirkanmaa")
    helsinki_pid = personal_id()
    helsinki = await register(
        api, principal("social_worker", "helsinki"), organiserId="helsinki", personalId=helsinki_pid
    )
    lappi = await register(api, principal("social_worker", "wc-lappi"), organiserId="wc-lappi")
    # Pirkanmaa opens a client relationship with Helsinki's client by registering the code.
    assert await register(api, personalId=helsinki_pid) == helsinki
    self_pid = personal_id()
    own = await register(api, organiserId="wc-pirkanmaa", personalId=self_pid)
    await send_notice(api, KELA_HANDLER, pirkanmaa, "wc-lappi")
    await record_guardianship(api, pirkanmaa, parent, "GUARDIAN_FULL")
    await record_guardianship(
        api, lappi, economic, "GUARDIAN_ECONOMIC", who=principal("social_worker", "wc-lappi")
    )
    await record_guardianship(
        api,
        helsinki,
        parent,
        "GUARDIAN_FULL",
        who=principal("social_worker", "helsinki"),
        validFrom=(today - timedelta(days=30)).isoformat(),
        validUntil=(today - timedelta(days=1)).isoformat(),
    )
    await record_guardianship(
        api, own, economic, "GUARDIAN_ECONOMIC", validFrom=(today + timedelta(days=3)).isoformat()
    )

    roles_by_org = {
        "kela": [Role.kela_handler, Role.kela_advisor, Role.dpo],
        "wc-pirkanmaa": [Role.social_worker, Role.social_counsellor, Role.dpo],
        "wc-lappi": [Role.social_worker, Role.dpo],
        "helsinki": [Role.social_counsellor],
    }
    principals = [
        Principal(
            "s",
            frozenset({role}),
            org,
            OrganisationType.KELA if org == "kela" else OrganisationType.WELLBEING_COUNTY,
            None,
        )
        for org, roles in roles_by_org.items()
        for role in roles
    ]
    principals += [
        Principal("s", frozenset(roles), None, None, person)
        for person, roles in itertools.product(
            [parent, economic, stranger, self_pid],
            [{Role.client}, {Role.guardian}, {Role.client, Role.guardian}],
        )
    ]
    async with api.runtime.sessions() as session:
        everyone = list(await session.scalars(select(Client)))
        for who in principals:
            by_sql = set(
                await session.scalars(
                    select(Client.id).where(visible_clients(who, today, api.runtime.pii))
                )
            )
            access = await load_access(session, who, everyone, today, api.runtime.pii)
            by_rules = {cid for cid, a in access.items() if a.visible}
            assert by_sql == by_rules, who
    assert len(everyone) == 4
