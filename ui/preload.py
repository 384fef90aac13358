"""The chart and map bundles start loading with the page, not when the first chart arrives.

Streamlit 1.67 loads each element's code only when the script has sent that element: a shared link's first
paint waited for the page's script before the browser even asked for plotly's 4.7 MB bundle, then compiled
and ran it. `install()` (called by `scripts/serve.py`) adds one module script to the page's HTML that
imports those bundles at once, while Streamlit's own bootstrap and the script run; when the elements
arrive, their code is already there (the same module, imported once). Measured by `bench.first_paint`.

Only the bundle names change between Streamlit releases (they carry a content hash): they are looked up in
Streamlit's static folder; a bundle that is not found is left out, and without any the page is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

# The element bundles nearly every page draws (a plotly chart, a pydeck map).
BUNDLES = ("PlotlyChart", "DeckGlJsonChart")
_installed = False
_REQUEST_HEADERS_DROPPED = {b"accept-encoding", b"if-none-match", b"if-modified-since"}
# The file's validators do not describe the changed page (it is marked no-cache, and is asked for again).
_RESPONSE_HEADERS_DROPPED = {b"content-length", b"etag", b"last-modified"}


def bundle_files(static_dir: Path) -> list[str]:
    """The hashed file names of BUNDLES in Streamlit's static/js folder (one per bundle, if present)."""
    found = []
    for name in BUNDLES:
        matches = sorted(p.name for p in (static_dir / "static" / "js").glob(f"{name}.*.js"))
        if matches:
            found.append(matches[0])
    return found


def preload_script(files: list[str]) -> bytes:
    """The tag that imports the bundles (paths relative to the page, like Streamlit's own tags)."""
    if not files:
        return b""
    paths = json.dumps([f"./static/js/{f}" for f in files])
    return f'<script type="module">for (const f of {paths}) import(f);</script>'.encode()


def inject(body: bytes, tag: bytes) -> bytes:
    """The page's HTML with the tag at the end of its head (unchanged without a head or a tag)."""
    if not tag or b"</head>" not in body:
        return body
    return body.replace(b"</head>", tag + b"</head>", 1)


def _wrap_app(tag: bytes) -> None:
    """Wrap the ASGI app: an HTML answer (the page, under any page's path) gets the tag."""
    from streamlit.web.server.starlette import starlette_server

    create = starlette_server.create_starlette_app

    def create_preloading(runtime):
        app = create(runtime)

        async def preloading(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") != "GET":
                return await app(scope, receive, send)
            headers = dict(scope.get("headers") or [])
            if b"text/html" not in headers.get(b"accept", b""):  # not a browser opening a page
                return await app(scope, receive, send)
            # The page (7.8 KB) is sent uncompressed so that the tag can be added to it, and whole: a browser's
            # copy from before the tag (same file, same ETag) would otherwise be revalidated and kept.
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in _REQUEST_HEADERS_DROPPED]}
            start: dict = {}
            chunks: list[bytes] = []

            async def send_html(message):
                if message["type"] == "http.response.start":
                    headers = {k.lower(): v for k, v in message.get("headers") or []}
                    if (message.get("status") != 200 or b"content-encoding" in headers
                            or not headers.get(b"content-type", b"").startswith(b"text/html")):
                        start["pass"] = True
                        return await send(message)
                    start["message"] = message
                    return None
                if start.get("pass") or message["type"] != "http.response.body":
                    return await send(message)
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return None
                body = inject(b"".join(chunks), tag)
                first = start["message"]
                headers = [(k, v) for k, v in first.get("headers") or [] if k.lower() not in _RESPONSE_HEADERS_DROPPED]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**first, "headers": headers})
                return await send({"type": "http.response.body", "body": body})

            return await app(scope, receive, send_html)

        preloading.state = getattr(app, "state", None)
        return preloading

    starlette_server.create_starlette_app = create_preloading


def install() -> None:
    """Add the preloading tag to the page's HTML, once per process."""
    global _installed
    if _installed:
        return
    from streamlit import file_util

    tag = preload_script(bundle_files(Path(file_util.get_static_dir())))
    if tag:  # no bundle found (another Streamlit release): the pages are served as they are
        _wrap_app(tag)
    _installed = True
