"""Load on the HTTP server: many users searching and uploading at once, on 127.0.0.1 only.

Starts ``sakuin serve`` as its own process over a fresh data directory seeded with JSQuAD
paragraphs (Japanese Wikipedia; readable by everyone), creates N users with passwords, then lets
each user, logged in with a cookie session, search (JSQuAD questions, 80 %) or upload a small
document of their own (20 %) back to back for the duration. Reports p50/p95/p99 latency per
operation, throughput and errors (goal: 0), then checks that every upload is searchable by its
uploader. The per-user rate limit is raised for the run (it is what the load measures, not what
it tests). Prints a table; writes benchmarks/results/server.json.

    .venv/bin/python benchmarks/server.py [--users 50] [--duration 60] [--seed-documents 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from sakuin.config import load_settings
from sakuin.knowledge.access import EVERYONE
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.server.accounts import Accounts

JSQUAD = Path("/work/shared/data/jglue/jsquad-valid-v1.3.json")
RESULTS = Path(__file__).parent / "results" / "server.json"
PASSWORD = "load-test password"
SEARCH_SHARE = 0.8


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "upload": []})
    errors: list[str] = field(default_factory=list)
    uploads: list[tuple[str, str, int]] = field(default_factory=list)  # user, marker, document id


def jsquad(path: Path, limit: int) -> tuple[list[ParsedDocument], list[str]]:
    """The first ``limit`` paragraphs as documents, and every question asked about them."""
    documents: list[ParsedDocument] = []
    questions: list[str] = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            if len(documents) == limit:
                return documents, questions
            title, _, text = paragraph["context"].partition(" [SEP] ")
            documents.append(ParsedDocument(title, text or title, f"jsquad/{len(documents)}", "text/plain"))
            questions.extend(qa["question"] for qa in paragraph["qas"])
    return documents, questions


def prepare(data_dir: Path, users: list[str], documents: list[ParsedDocument]) -> None:
    """Users with passwords and the seed corpus, through the same Python API the server uses."""
    settings = load_settings(data_dir)
    kb = KnowledgeBase(settings)
    for document in documents:
        kb.ingestor.ingest_document(document, frozenset({EVERYONE}))
    accounts = Accounts(settings)
    for user in users:
        kb.store.add_user(user)
        accounts.set_password(user, PASSWORD)
    accounts.close()
    kb.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SAKUIN_SERVER__REQUESTS_PER_MINUTE": "1000000", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "sakuin", "--data-dir", str(data_dir), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the server did not start")


async def user_session(url: str, user: str, questions: list[str], until: float, tally: Tally) -> None:
    """One user: log in, then search or upload back to back until ``until``."""
    rng = random.Random(user)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        login = await client.post("/api/login", json={"user": user, "password": PASSWORD})
        login.raise_for_status()
        client.headers["X-CSRF-Token"] = login.json()["csrf"]
        while time.monotonic() < until:
            searching = rng.random() < SEARCH_SHARE
            started = time.perf_counter()
            try:
                if searching:
                    reply = await client.get("/api/search", params={"q": rng.choice(questions), "k": 5})
                else:
                    marker = f"kz{uuid.uuid4().hex[:12]}"
                    text = f"# 作業記録 {marker}\n\n{user} の報告: 検証番号 {marker} の出荷を確認した。"
                    files = [("files", (f"{marker}.md", text.encode()))]
                    reply = await client.post("/api/documents", files=files, data={"readers": f"user:{user}"})
                    if reply.status_code == 200:
                        tally.uploads.append((user, marker, reply.json()[0]["document_id"]))
            except httpx.HTTPError as exc:
                tally.errors.append(f"{user}: {type(exc).__name__}")
                continue
            tally.latencies["search" if searching else "upload"].append(time.perf_counter() - started)
            if reply.status_code != 200:
                tally.errors.append(f"{user}: {reply.status_code} {reply.text[:100]}")


async def load(url: str, users: list[str], questions: list[str], duration: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + duration
    await asyncio.gather(*(user_session(url, u, questions, until, tally) for u in users))
    return tally


async def searchable(url: str, uploads: list[tuple[str, str, int]]) -> int:
    """How many uploads their uploader finds by the upload's unique marker afterwards."""
    clients: dict[str, httpx.AsyncClient] = {}
    found = 0
    try:
        for user, marker, document_id in uploads:
            if user not in clients:
                clients[user] = httpx.AsyncClient(base_url=url, timeout=60)
                await clients[user].post("/api/login", json={"user": user, "password": PASSWORD})
            hits = (await clients[user].get("/api/search", params={"q": marker, "mode": "lexical"})).json()
            found += any(hit["document_id"] == document_id for hit in hits)
    finally:
        for client in clients.values():
            await client.aclose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--seed-documents", type=int, default=100)
    args = parser.parse_args()
    console = Console()
    documents, questions = jsquad(JSQUAD, args.seed_documents)
    users = [f"user{i:03d}" for i in range(args.users)]
    with tempfile.TemporaryDirectory(prefix="sakuin-load-") as folder:
        data_dir = Path(folder)
        with console.status(f"seeding {len(documents)} documents and {len(users)} users…"):
            prepare(data_dir, users, documents)
        port = free_port()
        server = start(data_dir, port)
        url = f"http://127.0.0.1:{port}"
        try:
            with console.status(f"{args.users} users for {args.duration:g} s…"):
                tally = asyncio.run(load(url, users, questions, args.duration))
            with console.status(f"checking {len(tally.uploads)} uploads are searchable…"):
                found = asyncio.run(searchable(url, tally.uploads))
        finally:
            server.terminate()
            server.wait(timeout=30)

    rows: dict[str, dict[str, Any]] = {}
    table = Table(title=f"sakuin serve under load: {args.users} users, {args.duration:g} s, 127.0.0.1")
    for column in ("operation", "requests", "per second", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="right")
    for operation, latencies in tally.latencies.items():
        ms = np.array(latencies) * 1000 if latencies else np.zeros(1)
        rows[operation] = {
            "requests": len(latencies),
            "per_second": len(latencies) / args.duration,
            "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)),
        }
        row = rows[operation]
        table.add_row(
            operation,
            str(row["requests"]),
            f"{row['per_second']:.1f}",
            *(f"{row[key]:.0f}" for key in ("p50_ms", "p95_ms", "p99_ms")),
        )
    console.print(table)
    console.print(
        f"errors: {len(tally.errors)}; uploads searchable afterwards: {found}/{len(tally.uploads)}; "
        f"seed corpus: {len(documents)} JSQuAD paragraphs; cores: {os.cpu_count()}"
    )
    for error in tally.errors[:10]:
        console.print(f"  {error}", markup=False)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "users": args.users,
                "duration_s": args.duration,
                "seed_documents": len(documents),
                "cpu_count": os.cpu_count(),
                "operations": rows,
                "errors": len(tally.errors),
                "error_samples": tally.errors[:10],
                "uploads": len(tally.uploads),
                "uploads_searchable": found,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
