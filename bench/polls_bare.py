"""The baseline of bench/polls.py: a bare aiohttp loop sending conditional GETs, nothing else.

Reads a job file (JSON: requests as [url, etag, last_modified], max_connections, max_per_host, min_host_gap,
headers), sends every request at once under the same limits as ingest's fetcher (connections in all and
per host, a gap between the starts of two requests to one host), reads each answer, and prints one JSON
line: the count of each status, and time.monotonic() at the last answer.
Run by bench/polls.py as its own process, so its interpreter start-up counts as ingest's does; it imports
nothing of ingest's, so it is what the requests cost with no pipeline behind them.

    python bench/polls_bare.py JOB.json
"""

import asyncio
import json
import sys
import time
from collections import Counter

import aiohttp


async def main(job: dict) -> dict:
    gap = job["min_host_gap"]
    next_start: dict[str, float] = {}
    statuses: Counter[int] = Counter()
    last_answer = 0.0

    async def get(session: aiohttp.ClientSession, url: str, etag: str | None, modified: str | None) -> None:
        nonlocal last_answer
        host = url.split("/")[2]
        if gap:  # the fetcher's gap: each request reserves its start, one gap after the previous one
            now = time.monotonic()
            start = max(now, next_start.get(host, now))
            next_start[host] = start + gap
            await asyncio.sleep(start - now)
        headers = dict(job["headers"])
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        async with session.get(url, headers=headers, allow_redirects=False) as resp:
            await resp.read()
            statuses[resp.status] += 1
        last_answer = time.monotonic()

    connector = aiohttp.TCPConnector(limit=job["max_connections"], limit_per_host=job["max_per_host"])
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
        await asyncio.gather(*(get(session, *request) for request in job["requests"]))
    return {"statuses": dict(statuses), "last_answer": last_answer}


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps(asyncio.run(main(json.load(f)))))
