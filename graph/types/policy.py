from datetime import datetime

import strawberry


@strawberry.type(description="The outcome of reloading the policy file.")
class PolicyReload:
    previous_sha256: str = strawberry.field(description="The policy in force before.")
    sha256: str = strawberry.field(description="The policy in force now.")
    changed: bool = strawberry.field(
        description="False when the file held the policy already in force (nothing recorded)."
    )
    at: datetime
