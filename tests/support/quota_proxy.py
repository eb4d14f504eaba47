"""A proxy that enforces AWS's published control-plane quotas in front of the local emulator.

The emulator answers every call at once; AWS admits each account's calls through token buckets,
one per quota, and throttles a call that finds one empty (docs/aws-facts.md §7). This proxy does
the same, per account (the access key id, as ministack's multi-tenancy reads it) and region,
with AWS's published rates and bursts, and answers a throttled call the way each service does
(API Gateway and Lambda: 429 TooManyRequestsException; CloudWatch and STS: Throttling; CloudWatch
Logs: ThrottlingException), in the request's own wire protocol, by microburst's serializers.
API Gateway v2 (HTTP and WebSocket APIs) shares v1's endpoint, signing name and account bucket;
its calls are told apart by their `/v2/` paths and named after the v2 model
(`apigatewayv2:GetRoutes`), and throttled in the same answer as v1's. The emulator answers v2
list calls whole whatever `maxResults` says; the proxy pages them as AWS does (`maxResults`,
`nextToken`, docs/aws-facts.md §12.1), so that paging is exercised end to end. It
counts what it receives, admits and throttles, so a benchmark can compute the least time the
account needs to admit the calls a run made: max over buckets of (admitted - burst) / rate.

Run with the checkout's venv (scripts/setup-emulator installs microburst and aiohttp):
    .venv/bin/python tests/support/quota_proxy.py --upstream http://127.0.0.1:4566 --port 4570
Control: GET /_quota/health; GET /_quota/stats?account=ID; POST /_quota/reset.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict

import aiohttp
from aiohttp import web
from microburst.detection import detect
from microburst.detection.operation import resolve_operation
from microburst.protocols import render_error

# Quotas per account and region: name -> (requests per second, burst). Sources, as in
# docs/aws-facts.md §6-7: API Gateway "Amazon API Gateway quotas" (10 requests/s with a burst
# of 40 for all control-plane calls of the account, v1 and v2 alike, and GetResources 5 every
# 2 seconds on top); Lambda "Lambda quotas" (GetFunction 100/s, GetPolicy 15/s, every other
# control-plane call 15/s; Lambda publishes rates only, so the burst is one second's worth);
# CloudWatch "CloudWatch service quotas" (GetMetricData 50 TPS); CloudWatch Logs quotas
# (FilterLogEvents 5 TPS). Calls with no published quota here (STS, IAM) are not limited.
QUOTAS = {
    "apigateway": (10.0, 40),
    "apigateway:GetResources": (2.5, 5),
    "lambda:GetFunction": (100.0, 100),
    "lambda:GetPolicy": (15.0, 15),
    "lambda:other": (15.0, 15),
    "cloudwatch:GetMetricData": (50.0, 50),
    "logs:FilterLogEvents": (5.0, 5),
}

# How each service says "throttled": (HTTP status, error code, message).
THROTTLE = {
    "apigateway": (429, "TooManyRequestsException", "Too Many Requests"),
    "apigatewayv2": (429, "TooManyRequestsException", "Too Many Requests"),
    "lambda": (429, "TooManyRequestsException", "Rate exceeded"),
    "cloudwatch": (400, "Throttling", "Rate exceeded"),
    "logs": (400, "ThrottlingException", "Rate exceeded"),
}

# The paginated v2 list calls the auditor makes: each takes `maxResults` and `nextToken` in the
# query and answers `items` and `nextToken` (botocore's apigatewayv2 service-2.json and
# paginators-1.json; §12.1).
V2_LISTS = {"GetApis", "GetRoutes", "GetIntegrations", "GetStages", "GetAuthorizers"}
V2_PAGING = ("maxResults", "nextToken")

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
}


def v2_operation(ctx, request: web.Request, body: bytes) -> tuple[str, str | None] | None:
    """API Gateway v2's service and operation for a `/v2/` request, which microburst detects as
    v1 (`apigateway`: the same endpoint and SigV4 signing name, per botocore's apigatewayv2 model
    metadata); None for any other request."""
    if ctx.service != "apigateway" or not request.path.startswith("/v2/"):
        return None
    operation = resolve_operation(
        "apigatewayv2", request.headers, request.method, request.path, request.query, body
    )
    return "apigatewayv2", operation


def v2_page(payload: bytes, query) -> bytes:
    """One page of a whole v2 list answer: `maxResults` items from the offset `nextToken` names
    (the proxy's own opaque token), and a `nextToken` only while items remain."""
    document = json.loads(payload)
    items = document.get("items") or []
    size = max(1, int(query["maxResults"]))
    start = int(query.get("nextToken") or 0)
    document["items"] = items[start:start + size]
    document.pop("nextToken", None)
    if start + size < len(items):
        document["nextToken"] = str(start + size)
    return json.dumps(document).encode()


def buckets_of(service: str | None, operation: str | None) -> list[str]:
    """The quotas one call spends, most specific first."""
    if service in ("apigateway", "apigatewayv2"):
        if service == "apigateway" and operation == "GetResources":
            return ["apigateway:GetResources", "apigateway"]
        return ["apigateway"]
    if service == "lambda":
        if operation in ("Invoke", "InvokeWithResponseStream"):
            return []
        if operation in ("GetFunction", "GetPolicy"):
            return [f"lambda:{operation}"]
        return ["lambda:other"]
    key = f"{service}:{operation}"
    return [key] if key in QUOTAS else []


class Bucket:
    def __init__(self, rate: float, burst: int, now: float):
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), now
        self.admitted = 0

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now


class Proxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.host = self.upstream.split("//", 1)[-1]
        self.session: aiohttp.ClientSession | None = None
        self.reset()

    def reset(self) -> None:
        # (account, region, quota) -> Bucket
        self.buckets: dict[tuple[str, str, str], Bucket] = {}
        # account -> "service:Operation" -> {"received", "admitted", "throttled"}
        self.calls: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: {"received": 0, "admitted": 0, "throttled": 0})
        )
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def admit(self, account: str, region: str, names: list[str]) -> bool:
        """Takes one token of every bucket, or none when one is empty."""
        now = time.monotonic()
        buckets = []
        for name in names:
            key = (account, region, name)
            if key not in self.buckets:
                rate, burst = QUOTAS[name]
                self.buckets[key] = Bucket(rate, burst, now)
            bucket = self.buckets[key]
            bucket.refill(now)
            buckets.append(bucket)
        if any(b.tokens < 1.0 for b in buckets):
            return False
        for bucket in buckets:
            bucket.tokens -= 1.0
            bucket.admitted += 1
        return True

    def stats(self, account: str) -> dict:
        buckets = {}
        bound = 0.0
        binding = None
        for (acct, region, name), b in self.buckets.items():
            if acct != account:
                continue
            least = max(0.0, (b.admitted - b.burst) / b.rate)
            buckets[f"{region}/{name}"] = {
                "admitted": b.admitted, "rate": b.rate, "burst": int(b.burst),
                "least_seconds": least,
            }
            if least >= bound:
                bound, binding = least, f"{region}/{name}"
        calls = {op: dict(c) for op, c in self.calls.get(account, {}).items()}
        first, last = self.first.get(account), self.last.get(account)
        return {
            "calls": calls,
            "buckets": buckets,
            "quota_bound_seconds": bound,
            "binding": binding,
            "received": sum(c["received"] for c in calls.values()),
            "throttled": sum(c["throttled"] for c in calls.values()),
            "span_seconds": (last - first) if first is not None else 0.0,
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/_quota/health":
            return web.json_response({"ok": True})
        if path == "/_quota/stats":
            return web.json_response(self.stats(request.query.get("account", "")))
        if path == "/_quota/reset" and request.method == "POST":
            self.reset()
            return web.json_response({"ok": True})

        body = await request.read()
        ctx = detect(request.headers, request.method, path, request.query, body)
        service, op = v2_operation(ctx, request, body) or (ctx.service, ctx.operation)
        account = ctx.access_key or ""
        region = ctx.region or ""
        operation = f"{service}:{op}"
        now = time.monotonic()
        self.first.setdefault(account, now)
        self.last[account] = now
        counts = self.calls[account][operation]
        counts["received"] += 1
        if not self.admit(account, region, buckets_of(service, op)):
            counts["throttled"] += 1
            status, code, message = THROTTLE.get(
                service or "", (400, "Throttling", "Rate exceeded")
            )
            # A v2 throttle is rendered as v1's: the same front end answers both, and v2's model
            # names the field `message` too (TooManyRequestsException, locationName).
            status, headers, payload = render_error(
                ctx.service, code, message, status,
                protocol=ctx.protocol, query_compat=ctx.query_compat,
                request_ct=request.headers.get("Content-Type"), resource=path,
            )
            return web.Response(status=status, headers=headers, body=payload)
        counts["admitted"] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Host"] = self.host
        target = request.rel_url
        paged = service == "apigatewayv2" and op in V2_LISTS and "maxResults" in request.query
        if paged:
            # The whole list from upstream, paged here.
            target = target.with_query(
                {k: v for k, v in request.query.items() if k not in V2_PAGING}
            )
        assert self.session is not None
        async with self.session.request(
            request.method, self.upstream + target.raw_path_qs,
            headers=headers, data=body, allow_redirects=False,
        ) as upstream:
            payload = await upstream.read()
            if paged and upstream.status == 200:
                payload = v2_page(payload, request.query)
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(status=upstream.status, headers=out, body=payload)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    proxy = Proxy(args.upstream)
    proxy.session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=600), auto_decompress=False
    )
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    print(json.dumps({"listening": args.port}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
