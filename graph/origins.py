"""Which browser origins may call the API besides the configured ones.

In demo mode a front end under development may call from any local origin: a page served
by a development server on ``http://localhost:<port>``, ``http://127.0.0.1:<port>`` or
``http://[::1]:<port>``, over HTTP (CORS) and WebSocket alike. Production allows only
``INFOCAP_CORS_ORIGINS`` (and refuses demo mode).
"""

import re

LOCAL_DEVELOPMENT = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?")


def is_local_development(origin: str) -> bool:
    return LOCAL_DEVELOPMENT.fullmatch(origin) is not None
