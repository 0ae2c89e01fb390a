"""The development GraphiQL page and its assets, served by the service itself.

The page (``static/ide.html``) loads GraphiQL, React and ReactDOM from ``/ide/<file>``,
files shipped with the package (``static/graphiql/``, their versions, licences and
SHA-256 in its README), so it works on a network with no way out. Each file name carries
its version, so the files are cached for a year and never revalidated.
"""

from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

PREFIX = "/ide"
CACHE = "public, max-age=31536000, immutable"
ASSETS = {
    "graphiql-3.8.3.min.js": "text/javascript; charset=utf-8",
    "graphiql-3.8.3.min.css": "text/css; charset=utf-8",
    "react-18.3.1.production.min.js": "text/javascript; charset=utf-8",
    "react-dom-18.3.1.production.min.js": "text/javascript; charset=utf-8",
    "LICENSE-graphiql": "text/plain; charset=utf-8",
    "LICENSE-react": "text/plain; charset=utf-8",
}
PAGE_ASSETS = {
    "css": "graphiql-3.8.3.min.css",
    "react": "react-18.3.1.production.min.js",
    "react_dom": "react-dom-18.3.1.production.min.js",
    "graphiql": "graphiql-3.8.3.min.js",
}


def _static() -> Path:
    return Path(str(resources.files("graph") / "static"))


def page_html() -> str:
    """The page, its placeholders replaced by the assets' paths."""
    html = (_static() / "ide.html").read_text(encoding="utf-8")
    for key, name in PAGE_ASSETS.items():
        html = html.replace("{" + key + "}", f"{PREFIX}/{name}")
    return html


async def asset(request: Request) -> Response:
    """One of the shipped files; any other name is 404."""
    name = request.path_params["name"]
    media_type = ASSETS.get(name)
    if media_type is None:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(
        _static() / "graphiql" / name,
        media_type=media_type,
        headers={"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff"},
    )
