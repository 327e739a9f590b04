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

Answers have Stripe's published shapes (docs.stripe.com/api, github.com/stripe/openapi): lists
are list objects (`object: "list"`, `url`, `has_more`) of `limit` items (10 by default, 1 to 100)
after `starting_after`, newest first; timestamps are integers; an object has its own fields, not
the request's (what a Checkout Session was created with is in `checkout_requests`).
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


DEFAULT_LIMIT, MAX_LIMIT = 10, 100


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
        self.checkout_requests: dict[str, dict] = {}  # by session id: the parameters sent
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

    def customer_add(self, **fields) -> dict:
        with self._lock:
            return self._customer_create(fields)

    def meter_add(self, **fields) -> dict:
        """A meter, as made in the Dashboard (`event_name=`, `display_name=`...)."""
        with self._lock:
            return self._meter_create(fields)

    def subscription_add(
        self, customer_id: str, lookup_keys: list[str], *, status: str = "active", metadata=None
    ) -> dict:
        """A subscription of the customer to the prices with these lookup keys."""
        with self._lock:
            by_key = {p["lookup_key"]: p["id"] for p in self.prices.values()}
            return self._subscription_start(
                customer_id, [{"price": by_key[key]} for key in lookup_keys], status, metadata
            )

    def checkout_complete(self, session_id: str, *, status: str = "active") -> dict:
        """Pay a Checkout Session: its subscription starts. Returns the session, completed."""
        with self._lock:
            session = self.checkout_sessions[session_id]
            sent = self.checkout_requests[session_id]
            subscription = self._subscription_start(
                session["customer"],
                sent["line_items"],
                status,
                sent.get("subscription_data", {}).get("metadata", {}),
            )
            session.update(
                status="complete", payment_status="paid", subscription=subscription["id"]
            )
            return dict(session)

    def _subscription_start(self, customer_id, line_items, status, metadata) -> dict:
        now = int(time.time())
        subscription_id = self.new_id("sub")
        items = [
            {
                "id": self.new_id("si"),
                "object": "subscription_item",
                "created": now,
                "price": self.prices[item["price"]],
                "quantity": int(item.get("quantity") or 1),
                "subscription": subscription_id,
                "current_period_start": now,
                "current_period_end": now + 30 * 24 * 3600,
            }
            for item in line_items
        ]
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "created": now,
            "livemode": False,
            "customer": customer_id,
            "status": status,
            "cancel_at_period_end": False,
            "metadata": metadata or {},
            "items": {
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
        }
        self.subscriptions[subscription_id] = subscription
        return subscription

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
            ("GET", r"/v1/subscriptions/(?P<id>[^/]+)", self._subscription_get),
            ("GET", r"/v1/subscription_items", self._subscription_item_list),
            ("GET", r"/v1/products/(?P<id>[^/]+)", self._get(self.products)),
            ("POST", r"/v1/products", self._product_create),
            ("GET", r"/v1/prices", self._price_list),
            ("POST", r"/v1/prices", self._price_create),
            ("GET", r"/v1/billing/meters", self._meter_list),
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

    def _subscription_get(self, params, id):
        """The subscription with the first page of its items, as Stripe embeds a list."""
        subscription = json.loads(json.dumps(self._get(self.subscriptions)(params, id)))
        items = subscription["items"]
        items.update(self._page(items["url"], items["data"], {}), total_count=len(items["data"]))
        return subscription

    def _subscription_item_list(self, params):
        subscription = self._get(self.subscriptions)({}, params.get("subscription"))
        return self._page("/v1/subscription_items", subscription["items"]["data"], params)

    def _page(self, url: str, objects: list[dict], params: dict) -> dict:
        """One page of a list, as Stripe answers it: newest first, `limit` items after
        `starting_after` (or before `ending_before`)."""
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
        except ValueError:
            raise FakeStripeError(
                400, "Invalid integer: limit", "parameter_invalid_integer"
            ) from None
        if not 1 <= limit <= MAX_LIMIT:
            raise FakeStripeError(
                400,
                f"This value must be between 1 and {MAX_LIMIT}: limit",
                "parameter_invalid_integer",
            )
        # Stable: objects created in the same second keep their order.
        newest_first = sorted(objects, key=lambda o: o["created"], reverse=True)
        ids = [o["id"] for o in newest_first]
        cursor = params.get("starting_after") or params.get("ending_before")
        if cursor and cursor not in ids:
            raise FakeStripeError(400, f"No such object: '{cursor}'", "resource_missing")
        if params.get("starting_after"):
            start = ids.index(cursor) + 1
            data, has_more = newest_first[start : start + limit], start + limit < len(ids)
        elif params.get("ending_before"):
            end = ids.index(cursor)
            data, has_more = newest_first[max(0, end - limit) : end], end - limit > 0
        else:
            data, has_more = newest_first[:limit], limit < len(ids)
        return {"object": "list", "url": url, "has_more": has_more, "data": data}

    def _created(self) -> int:
        # Stripe's `created` is in seconds; the fake makes many objects in one second, and a
        # list's newest-first order must still be their order of creation.
        self._clock = max(getattr(self, "_clock", 0) + 1, int(time.time()))
        return self._clock

    def _customer_create(self, params):
        customer = {
            "id": self.new_id("cus"),
            "object": "customer",
            "created": self._created(),
            "livemode": False,
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
        # Stripe's fields only: line_items come back when expanded, subscription_data never.
        session = {
            "id": session_id,
            "object": "checkout.session",
            "created": self._created(),
            "livemode": False,
            "mode": params.get("mode"),
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "metadata": params.get("metadata", {}),
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
            "url": f"{self.base_url}/pay/{session_id}",
        }
        self.checkout_sessions[session_id] = session
        self.checkout_requests[session_id] = params
        return session

    def _portal_session_create(self, params):
        session_id = self.new_id("bps")
        session = {
            "id": session_id,
            "object": "billing_portal.session",
            "created": self._created(),
            "livemode": False,
            "customer": params["customer"],
            "return_url": params.get("return_url"),
            "url": f"{self.base_url}/portal/{session_id}",
        }
        self.portal_sessions[session_id] = session
        return session

    def _product_create(self, params):
        product = {
            "id": params.get("id") or self.new_id("prod"),
            "object": "product",
            "created": self._created(),
            "livemode": False,
            "active": True,
            "name": params.get("name"),
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
        }
        if product["id"] in self.products:
            raise FakeStripeError(400, "Product already exists.", "resource_already_exists")
        self.products[product["id"]] = product
        return product

    def _price_list(self, params):
        keys = params.get("lookup_keys") or []
        prices = [p for p in self.prices.values() if not keys or p["lookup_key"] in keys]
        if "active" in params:
            prices = [p for p in prices if str(p["active"]).lower() == params["active"]]
        return self._page("/v1/prices", prices, params)

    def _meter_list(self, params):
        meters = [m for m in self.meters.values() if params.get("status") in (None, m["status"])]
        return self._page("/v1/billing/meters", meters, params)

    def _price_create(self, params):
        lookup_key = params.get("lookup_key")
        if any(p["lookup_key"] == lookup_key for p in self.prices.values() if lookup_key):
            raise FakeStripeError(400, "A price with this lookup key exists.", "lookup_key")
        recurring = params.get("recurring")
        price = {
            "id": self.new_id("price"),
            "object": "price",
            "created": self._created(),
            "livemode": False,
            "active": True,
            "type": "recurring" if recurring else "one_time",
            "currency": params.get("currency"),
            "unit_amount": int(params["unit_amount"]) if "unit_amount" in params else None,
            "product": params.get("product"),
            "lookup_key": lookup_key,
            "nickname": params.get("nickname"),
            "metadata": params.get("metadata", {}),
            "recurring": recurring
            and {
                "interval": recurring["interval"],
                "interval_count": int(recurring.get("interval_count", 1)),
                "meter": recurring.get("meter"),
                "usage_type": recurring.get("usage_type", "licensed"),
                "trial_period_days": None,
            },
        }
        self.prices[price["id"]] = price
        return price

    def _meter_create(self, params):
        meter = {
            "id": self.new_id("mtr"),
            "object": "billing.meter",
            "created": self._created(),
            "livemode": False,
            "status": "active",
            "event_name": params.get("event_name"),
            "display_name": params.get("display_name"),
            "default_aggregation": params.get("default_aggregation", {"formula": "sum"}),
            "customer_mapping": params.get(
                "customer_mapping", {"event_payload_key": "stripe_customer_id", "type": "by_id"}
            ),
            "value_settings": params.get("value_settings", {"event_payload_key": "value"}),
        }
        self.meters[meter["id"]] = meter
        return meter

    def _meter_event_create(self, params):
        identifier = params.get("identifier") or self.new_id("mev")
        event = {
            "object": "billing.meter_event",
            "created": int(time.time()),
            "livemode": False,
            "event_name": params.get("event_name"),
            "identifier": identifier,
            "payload": params.get("payload", {}),
            "timestamp": int(params.get("timestamp") or time.time()),
        }
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
