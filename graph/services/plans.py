"""Saving the shared plan: every save a new version, a stale version refused.

The version's ``content`` JSON:
``{"lifeSituation": {"economy"|"family"|"health"|"housing": {"summary", "supportNeeded"}},
"goals": [str], "measures": [{"description", "responsibleOrganisationId",
"responsibleWorker", "due", "status"}], "serviceNeedAssessment": {"status", "outcome",
"date"} | null}`` (dates ISO 8601).
"""

from typing import Any

from sqlalchemy import func, select

from authz import rows
from graph.context import Context
from graph.errors import Conflict
from graph.services.lookup import client_view, fetch, known_organisation, text
from graph.types.plan import LifeAreaInput, PlanInput
from schema.base import new_id
from schema.db import insert_if_absent
from schema.enums import DataCategory
from schema.models import PlanVersion

AREAS = ("economy", "family", "health", "housing")


def _area(area: LifeAreaInput | None, name: str) -> dict[str, Any] | None:
    if area is None:
        return None
    return {
        "summary": text(area.summary, f"{name} summary", limit=4000),
        "supportNeeded": area.support_needed,
    }


def content_of(ctx: Context, data: PlanInput) -> dict[str, Any]:
    life = data.life_situation
    goals = [text(g, "goal", limit=1000, required=True) for g in data.goals]
    measures = []
    for measure in data.measures:
        org = measure.responsible_organisation_id
        measures.append(
            {
                "description": text(measure.description, "measure", limit=2000, required=True),
                "responsibleOrganisationId": None
                if org is None
                else known_organisation(ctx, str(org), "measure"),
                "responsibleWorker": text(
                    measure.responsible_worker, "responsible worker", limit=200
                ),
                "due": None if measure.due is None else measure.due.isoformat(),
                "status": measure.status.value,
            }
        )
    assessment = data.service_need_assessment
    return {
        "lifeSituation": {
            name: _area(None if life is None else getattr(life, name), name) for name in AREAS
        },
        "goals": goals,
        "measures": measures,
        "serviceNeedAssessment": None
        if assessment is None
        else {
            "status": assessment.status.value,
            "outcome": text(assessment.outcome, "assessment outcome", limit=4000),
            "date": None if assessment.date is None else assessment.date.isoformat(),
        },
    }


async def save(
    ctx: Context, client_id: str, data: PlanInput, expected_version: int | None
) -> PlanVersion:
    view = await client_view(ctx, client_id)
    organiser = view.row.organiser_id
    ctx.guard.authorize(
        view.access,
        "plan",
        "save",
        category=DataCategory.PLAN,
        own=rows.organiser_owns(view.access.facts, ctx.principal),
    )
    content = content_of(ctx, data)
    current = await ctx.session.scalar(
        select(func.max(PlanVersion.version)).where(PlanVersion.client_id == view.row.id)
    )
    if current is None and expected_version not in (None, 0):
        raise Conflict(f"the client has no plan yet; expectedVersion {expected_version} is stale")
    if current is not None and expected_version != current:
        raise Conflict(f"the plan is at version {current}; save with expectedVersion {current}")
    plan_id = new_id()
    values = {
        "id": plan_id,
        "client_id": view.row.id,
        "version": (current or 0) + 1,
        "type": data.type,
        "status": data.status,
        "content": content,
        "kela_special_service_planned": data.kela_special_service_planned,
        "kela_special_service_note": text(data.kela_special_service, "note", limit=4000),
        "next_follow_up": data.next_follow_up,
        "organiser_id": organiser,
        "saved_at": ctx.now,
        "saved_by_sub": ctx.principal.subject,
        "saved_by_name": ctx.principal.name,
    }
    if not await insert_if_absent(ctx.session, PlanVersion, values, ["client_id", "version"]):
        raise Conflict(
            f"version {values['version']} was saved at the same moment; reload and save again"
        )
    return await fetch(ctx, PlanVersion, view.row.id, plan_id)
