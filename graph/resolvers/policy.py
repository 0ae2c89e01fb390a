"""``reloadPolicy``: a dpo of Kela puts a changed policy file in force without a restart."""

from authz.active_policy import PolicyRefused
from authz.errors import Forbidden
from graph.context import Info
from graph.errors import PolicyInvalid
from graph.policy_reload import How, reload_policy
from graph.types.policy import PolicyReload
from schema.enums import OrganisationType, Role


async def reload_policy_file(info: Info) -> PolicyReload:
    """Read the deployment's policy file again, check it, record it and put it in force
    in this worker (the others follow within INFOCAP_POLICY_POLL_SECONDS). A file that
    fails its check is refused and the policy in force stays."""
    ctx = info.context
    principal = ctx.principal
    if Role.dpo not in principal.roles or principal.organisation_type != OrganisationType.KELA:
        raise Forbidden("only a data-protection officer of Kela reloads the policy")
    try:
        done = await reload_policy(ctx.runtime, How.MUTATION, principal)
    except PolicyRefused as refused:
        raise PolicyInvalid(
            "the policy file is refused and the policy in force stays: "
            + "; ".join(refused.problems)
        ) from refused
    return PolicyReload(
        previous_sha256=done.previous_sha256, sha256=done.sha256, changed=done.changed, at=done.at
    )
