"""The optional HTTP listener: /healthz for supervisors and /metrics for Prometheus, and beside them the
applications it is given (the read API: ops/api.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from ingest.ops.metrics import Metrics

# A health check that cannot get the database's answer in this time reports it as unhealthy.
HEALTH_TIMEOUT_S = 2.0


async def start_monitor(
    host: str,
    port: int,
    metrics: Metrics,
    database_ok: Callable[[], bool],
    mounted: Mapping[str, web.Application] | None = None,
) -> web.AppRunner:
    """Serve the two endpoints on host:port from this event loop, and each of `mounted` under its prefix;
    stop with `runner.cleanup()`."""

    async def healthz(request: web.Request) -> web.Response:
        # Answering at all shows the loop runs; the query runs in a thread so a locked
        # database cannot stall the loop that answers.
        try:
            ok = await asyncio.wait_for(asyncio.to_thread(database_ok), HEALTH_TIMEOUT_S)
        except TimeoutError:
            ok = False
        return web.Response(status=200 if ok else 503, text="ok\n" if ok else "database not answering\n")

    async def metrics_page(request: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    for prefix, mounted_app in (mounted or {}).items():
        app.add_subapp(prefix, mounted_app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
