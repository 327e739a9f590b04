"""A local fake of the Stripe API, so tests run the official `stripe` client without a network.

It speaks the endpoints Parley calls (customers, Checkout Sessions, Billing Portal sessions,
subscriptions, products, prices, billing meters and meter events), form-encoded as the client
sends them, keeps what was created in memory and records every request. Tests play Stripe's part
with its helpers: `checkout_complete()` turns a Checkout Session into a live subscription the way
paying would, `subscription_update()` changes one as a renewal or a cancellation does, and
`event()` builds the webhook event Stripe would then send (tests/billing/conftest.py signs and
posts it).

    with FakeStripeServer() as fake:
        client = stripe.StripeClient("sk_test", base_addresses={"api": fake.base_url})

`outage = True` answers every call with a 500, as Stripe down would.
"""

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.served import ServedOnLoopback


@dataclass
class Request:
    method: str
    path: str
    params: dict
    headers: dict[str, str]


def nested_params(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`line_items[0][price]=p`, `expand[0]=x`) read back as nested
    dicts, lists for all-digit keys."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


class FakeStripeError(Exception):
    def __init__(self, status: int, message: str, code: str = "resource_missing"):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class FakeStripeServer(ServedOnLoopback):
    requests: list[Request] = field(default_factory=list)
    outage: bool = False

    def __post_init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.customers: dict[str, dict] = {}
        self.checkout_sessions: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.products: dict[str, dict] = {}
        self.prices: dict[str, dict] = {}
        self.meters: dict[str, dict] = {}
        self.meter_events: dict[str, dict] = {}  # by identifier: a repeat is dropped
        self._idempotent: dict[str, dict] = {}
        self._serve(_handler_for(self))

    @property
    def base_url(self) -> str:
        return self.address

    # --- Playing Stripe's part in a test ------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    def price_add(self, lookup_key: str, *, interval: str = "month", metered: bool = False):
        """A price with this lookup key, as `manage.py stripe_sync_plans` would have made."""
        return self._price_create(
            {
                "lookup_key": lookup_key,
                "currency": "eur",
                "unit_amount": "1000",
                "product": "prod_fake",
                "recurring": {
                    "interval": interval,
                    **({"usage_type": "metered", "meter": "mtr_fake"} if metered else {}),
                },
            }
        )

    def checkout_complete(self, session_id: str, *, status: str = "active") -> dict:
        """Pay a Checkout Session: its subscription starts. Returns the session, completed."""
        with self._lock:
            session = self.checkout_sessions[session_id]
            items = [
                {
                    "id": self.new_id("si"),
                    "object": "subscription_item",
                    "price": self.prices[item["price"]],
                    "quantity": int(item.get("quantity") or 1),
                    "current_period_start": int(time.time()),
                    "current_period_end": int(time.time()) + 30 * 24 * 3600,
                }
                for item in session["line_items"]
            ]
            subscription = {
                "id": self.new_id("sub"),
                "object": "subscription",
                "customer": session["customer"],
                "status": status,
                "cancel_at_period_end": False,
                "metadata": session.get("subscription_data", {}).get("metadata", {}),
                "items": {"object": "list", "data": items, "has_more": False},
            }
            self.subscriptions[subscription["id"]] = subscription
            session.update(status="complete", subscription=subscription["id"])
            return dict(session)

    def subscription_update(self, subscription_id: str, **changes) -> dict:
        """Change a subscription as Stripe would (status, cancel_at_period_end, a new price by
        `lookup_key=`). Returns it as it now is."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            lookup_key = changes.pop("lookup_key", None)
            if lookup_key:
                price = next(p for p in self.prices.values() if p["lookup_key"] == lookup_key)
                subscription["items"]["data"][0]["price"] = price
            subscription.update(changes)
            return json.loads(json.dumps(subscription))

    def event(self, type: str, obj: dict, *, created: int | None = None) -> dict:
        """The event Stripe would send about `obj` (a copy of it as it is now)."""
        return {
            "id": self.new_id("evt"),
            "object": "event",
            "type": type,
            "created": created or int(time.time()),
            "livemode": False,
            "api_version": "2026-10-28.endive",
            "data": {"object": json.loads(json.dumps(obj))},
        }

    def invoice(self, subscription_id: str, *, paid: bool) -> dict:
        subscription = self.subscriptions[subscription_id]
        return {
            "id": self.new_id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "status": "paid" if paid else "open",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription_id},
            },
        }

    def requests_to(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- The API ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, headers: dict) -> dict:
        with self._lock:
            self.requests.append(Request(method, path, params, headers))
            if self.outage:
                raise FakeStripeError(500, "Fake outage", "api_error")
            key = headers.get("idempotency-key")
            if method == "POST" and key and key in self._idempotent:
                return self._idempotent[key]
            result = self._route(method, path, params)
            if method == "POST" and key:
                self._idempotent[key] = result
            return result

    def _route(self, method: str, path: str, params: dict) -> dict:
        routes = [
            ("POST", r"/v1/customers", self._customer_create),
            ("GET", r"/v1/customers/(?P<id>[^/]+)", self._get(self.customers)),
            ("POST", r"/v1/checkout/sessions", self._checkout_session_create),
            ("POST", r"/v1/billing_portal/sessions", self._portal_session_create),
            ("GET", r"/v1/subscriptions/(?P<id>[^/]+)", self._get(self.subscriptions)),
            ("GET", r"/v1/products/(?P<id>[^/]+)", self._get(self.products)),
            ("POST", r"/v1/products", self._product_create),
            ("GET", r"/v1/prices", self._price_list),
            ("POST", r"/v1/prices", self._price_create),
            ("GET", r"/v1/billing/meters", self._list(self.meters)),
            ("POST", r"/v1/billing/meters", self._meter_create),
            ("POST", r"/v1/billing/meter_events", self._meter_event_create),
        ]
        for verb, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return action(params, **match.groupdict())
        raise FakeStripeError(404, f"Unrecognized request URL ({method}: {path}).", "not_found")

    def _get(self, store: dict):
        def get(params, id):
            if id not in store:
                raise FakeStripeError(404, f"No such object: '{id}'")
            return store[id]

        return get

    def _list(self, store: dict):
        def listing(params):
            return {"object": "list", "data": list(store.values()), "has_more": False}

        return listing

    def _customer_create(self, params):
        customer = {
            "id": self.new_id("cus"),
            "object": "customer",
            "name": params.get("name"),
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
        }
        self.customers[customer["id"]] = customer
        return customer

    def _checkout_session_create(self, params):
        if params.get("customer") not in self.customers:
            raise FakeStripeError(400, "No such customer", "resource_missing")
        for item in params.get("line_items", []):
            if item.get("price") not in self.prices:
                raise FakeStripeError(400, f"No such price: '{item.get('price')}'")
        session_id = self.new_id("cs_test")
        session = {
            **params,
            "id": session_id,
            "object": "checkout.session",
            "status": "open",
            "subscription": None,
            "url": f"{self.base_url}/pay/{session_id}",
        }
        self.checkout_sessions[session_id] = session
        return session

    def _portal_session_create(self, params):
        session_id = self.new_id("bps")
        session = {
            "id": session_id,
            "object": "billing_portal.session",
            "customer": params["customer"],
            "return_url": params.get("return_url"),
            "url": f"{self.base_url}/portal/{session_id}",
        }
        self.portal_sessions[session_id] = session
        return session

    def _product_create(self, params):
        product = {"object": "product", "active": True, **params}
        product.setdefault("id", self.new_id("prod"))
        if product["id"] in self.products:
            raise FakeStripeError(400, "Product already exists.", "resource_already_exists")
        self.products[product["id"]] = product
        return product

    def _price_list(self, params):
        keys = params.get("lookup_keys") or []
        prices = [p for p in self.prices.values() if not keys or p["lookup_key"] in keys]
        if "active" in params:
            prices = [p for p in prices if str(p["active"]).lower() == params["active"]]
        return {"object": "list", "data": prices, "has_more": False}

    def _price_create(self, params):
        lookup_key = params.get("lookup_key")
        if any(p["lookup_key"] == lookup_key for p in self.prices.values() if lookup_key):
            raise FakeStripeError(400, "A price with this lookup key exists.", "lookup_key")
        price = {
            "id": self.new_id("price"),
            "object": "price",
            "active": True,
            "type": "recurring",
            **params,
        }
        if "unit_amount" in price:
            price["unit_amount"] = int(price["unit_amount"])
        self.prices[price["id"]] = price
        return price

    def _meter_create(self, params):
        meter = {"id": self.new_id("mtr"), "object": "billing.meter", "status": "active", **params}
        self.meters[meter["id"]] = meter
        return meter

    def _meter_event_create(self, params):
        identifier = params.get("identifier") or self.new_id("mev")
        event = {"object": "billing.meter_event", "created": int(time.time()), **params}
        self.meter_events.setdefault(identifier, event)
        return event


def _handler_for(server: FakeStripeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path.startswith(("/pay/", "/portal/")):
                self._page()
                return
            self._api("GET", parse_qsl(urlsplit(self.path).query))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self._api("POST", parse_qsl(self.rfile.read(length).decode()))

        def do_DELETE(self):
            self._api("DELETE", [])

        def _api(self, method, pairs):
            headers = {key.lower(): value for key, value in self.headers.items()}
            path = urlsplit(self.path).path
            try:
                status, body = 200, server.handle(method, path, nested_params(pairs), headers)
            except FakeStripeError as error:
                kind = "api_error" if error.status >= 500 else "invalid_request_error"
                status = error.status
                body = {"error": {"type": kind, "message": error.message, "code": error.code}}
            self._send(status, json.dumps(body).encode(), "application/json")

        def _page(self):
            # What Stripe's hosted pages are to the browser test: a page that names the session.
            session_id = self.path.rstrip("/").rsplit("/", 1)[-1]
            title = "Fake Stripe Checkout" if self.path.startswith("/pay/") else "Fake portal"
            html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{session_id}</p>"
            self._send(200, html.encode(), "text/html; charset=utf-8")

        def _send(self, status: int, data: bytes, content_type: str):
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format, *args):
            pass

    return Handler
