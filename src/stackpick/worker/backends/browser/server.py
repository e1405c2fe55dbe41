"""The page's HTTP server: loopback only, an ephemeral port, files from one temporary directory,
and only for requests whose Host is that loopback address and port (so a page elsewhere whose
name resolves to 127.0.0.1, DNS rebinding, gets nothing).

Every response carries the cross-origin isolation headers that WebAssembly threads need
(``SharedArrayBuffer`` exists only in a cross-origin isolated page) and a Content Security
Policy that lets the page load from this origin alone. Every request is recorded, so the
bytes of each runtime file the page really loaded can be counted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LOOPBACK = "127.0.0.1"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript",
         ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json"}
# 'wasm-unsafe-eval' lets WebAssembly compile (no JavaScript eval); blob: workers are how
# Emscripten's pthreads start in TF.js's threaded wasm build.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; worker-src 'self' blob:; "
       "connect-src 'self' blob: data:; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",  # every page load is a cold load: comparable start-up times
}


@dataclass(frozen=True)
class Served:
    """One request as the server saw it."""

    path: str
    status: int
    bytes: int


class PageServer:
    """Serves ``root`` on 127.0.0.1 at an ephemeral port until closed."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.log: list[Served] = []
        self._lock = threading.Lock()
        handler = _handler(self)
        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name="stackpick-page-server")
        self.thread.start()

    @property
    def host(self) -> str:
        """The only Host header answered: the loopback address and port it bound."""
        return f"{LOOPBACK}:{self.httpd.server_address[1]}"

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    def record(self, served: Served) -> None:
        with self._lock:
            self.log.append(served)

    def resolve(self, url_path: str) -> Path | None:
        """The file under ``root`` that ``url_path`` names (symlinks in root are followed,
        ``..`` is not), or None."""
        parts = [p for p in unquote(urlsplit(url_path).path).split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None
        path = self.root.joinpath(*parts) if parts else self.root / "index.html"
        return path if path.is_file() else None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Host") != server.host:  # DNS rebinding: a page of another
                server.record(Served(self.path, HTTPStatus.MISDIRECTED_REQUEST, 0))  # origin
                self.send_error(HTTPStatus.MISDIRECTED_REQUEST)  # whose name resolves here
                return
            path = server.resolve(self.path)
            if path is None:
                server.record(Served(self.path, HTTPStatus.NOT_FOUND, 0))
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            body = path.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", TYPES.get(path.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            for name, value in HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            # Recorded before the body goes out: once a client has it, the log holds it.
            server.record(Served(urlsplit(self.path).path, HTTPStatus.OK, len(body)))
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request log above is the record; stderr stays for real errors

    return Handler
