"""The fingerprint of a write's content, for idempotency: equal content, equal text."""

import hashlib
import json
from typing import Any


def fingerprint(document: Any) -> str:
    """SHA-256 of the document as JSON with its keys sorted."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
