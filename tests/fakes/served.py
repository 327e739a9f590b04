"""What the local fake servers share: an HTTP server on a free port of 127.0.0.1, served by a
daemon thread, started and stopped with the test (`with Fake() as fake:`)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ServedOnLoopback:
    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # Handler threads are daemons and not joined on close: a slow reply is cut short by
        # `_stopping` anyway, and nothing must keep the test run alive.
        self._httpd.daemon_threads = True
        # A short poll, so that `stop()` returns at once rather than after the default half second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def address(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
