"""A local OpenAI-compatible HTTP server, so tests run the real `openai` client without a network.

It answers `POST /v1/chat/completions` with a `chat.completion` whose message content is what the
test chose, and records every request. Each request takes the next `Reply` of `replies`; the last
one repeats, so `[Reply(status=429), Reply(good)]` is "rate limited once, then fine".

    with FakeOpenAIServer() as fake:
        fake.replies = [Reply(content={"disqualified": None, ...})]
        client = openai.OpenAI(base_url=fake.base_url, api_key="test")

A reply may also be what a model says when it will not or cannot answer: a structured-outputs
refusal (`Reply(refusal="I can't help with that.")`: `message.refusal` set, `content` null) or
an answer stopped early (`finish_reason="length"` when it ran out of tokens, `"content_filter"`
when the provider's filter cut it).

A slow reply waits on an event that `stop()` sets, so tearing down never waits for it.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.fakes.served import ServedOnLoopback

# How long a retried error asks the client to wait (the header real OpenAI sends); short, so a
# retry costs the test milliseconds, not the client's default back-off of half a second or more.
RETRY_AFTER_MS = 10


@dataclass
class Reply:
    content: dict | str | None = None  # the message content; a dict is sent as its JSON
    status: int = 200  # anything else sends OpenAI's error body with this status
    delay: float = 0.0  # seconds to wait before answering
    refusal: str | None = None  # the model refuses: this text, and no content
    finish_reason: str = "stop"  # or "length", "content_filter"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class FakeOpenAIServer(ServedOnLoopback):
    replies: list[Reply] = field(default_factory=lambda: [Reply(content="{}")])
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._serve(_handler_for(self))

    @property
    def base_url(self) -> str:
        return f"{self.address}/v1"

    def _next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            index = min(len(self.requests), len(self.replies)) - 1
            return self.replies[index]


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"No route {self.path}", "type": "invalid"}})
                return
            body = json.loads(raw or b"{}")
            headers = {key.lower(): value for key, value in self.headers.items()}
            reply = server._next_reply(Request(self.path, headers, body))
            if reply.delay and server._stopping.wait(reply.delay):
                return  # stopped while waiting: the client gave up long ago
            if reply.status != 200:
                self._send(
                    reply.status,
                    {"error": {"message": "fake failure", "type": "fake", "code": None}},
                    {"retry-after-ms": str(RETRY_AFTER_MS)},
                )
                return
            self._send(200, _completion(body.get("model", "fake"), reply))

        def _send(self, status: int, payload: dict, headers: dict | None = None):
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and hung up

        def log_message(self, format, *args):
            pass  # quiet test output

    return Handler


def _completion(model: str, reply: Reply) -> dict:
    content = reply.content
    text = json.dumps(content) if isinstance(content, dict) else content
    if reply.refusal is not None:
        text = None
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": reply.refusal},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }
