"""The workloads' requests: who asks what, for which client, page after page."""

import itertools
import json
import random
from collections.abc import Callable, Sequence
from typing import Any

from bench import documents
from bench.dataset import KELA, worker_sub
from bench.load import Answer, Request, answer_problem, graphql_request
from bench.server import Tokens
from graph.pagination import encode_cursor

Pick = tuple[str, str]
"""(client id, organiser)."""


class Workloads:
    def __init__(self, tokens: Tokens, rich: Sequence[Pick], sample: Sequence[Pick]) -> None:
        self.tokens = tokens
        self.rich = list(rich)
        self.sample = list(sample)
        self.overview = documents.caseworker_overview()
        self.inbox = documents.notice_inbox()
        self.feed = documents.change_feed()
        self._workers: dict[str, str] = {}
        self.kela = tokens.token("kela_handler", KELA, "kela-handler", azp="kela-etuus")
        self.kela_sync = tokens.token("kela_handler", KELA, "kela-sync", azp="kela-sync")

    def worker(self, org: str) -> str:
        if org not in self._workers:
            self._workers[org] = self.tokens.token(
                "social_worker", org, worker_sub(org), azp=f"{org}-cms"
            )
        return self._workers[org]

    # --- W1, W2 ------------------------------------------------------------------------------

    def w1(self) -> Callable[[int], Request]:
        """The caseworker overview of a caseworker-overview client, by a social worker of
        the client's organiser; clients in turn."""
        requests = [
            graphql_request(self.overview, {"id": cid}, self.worker(org), "CaseworkerOverview")
            for cid, org in self.rich
        ]
        cycle = itertools.cycle(requests)
        return lambda _: next(cycle)

    def w2(self) -> Callable[[int], Request]:
        """The same document as a Kela handler (the plan and life situation by consent)."""
        requests = [
            graphql_request(self.overview, {"id": cid}, self.kela, "CaseworkerOverview")
            for cid, _ in self.rich
        ]
        cycle = itertools.cycle(requests)
        return lambda _: next(cycle)

    # --- W3: the inbox, page after page ----------------------------------------------------

    def w3(self) -> tuple[Callable[[int], Request], Callable[[int, Request, Answer], Any]]:
        """Each task reads one organiser's inbox (open notices, 50 a page) page after page,
        from the start again after the last."""
        orgs = sorted({org for _, org in self.rich})
        after: dict[int, str | None] = {}

        def next_request(n: int) -> Request:
            org = orgs[n % len(orgs)]
            return graphql_request(
                self.inbox, {"after": after.get(n)}, self.worker(org), "NoticeInbox"
            )

        def check(n: int, _: Request, answer: Answer) -> tuple[str | None, int]:
            problem = answer_problem(answer)
            if problem is not None:
                return problem, 0
            inbox = json.loads(answer.body)["data"]["noticeInbox"]
            info = inbox["pageInfo"]
            after[n] = info["endCursor"] if info["hasNextPage"] else None
            return None, len(inbox["edges"])

        return next_request, check

    # --- W4: the change feed ---------------------------------------------------------------

    def w4(
        self, last_position: int, concurrency: int, page: int
    ) -> tuple[Callable[[int], Request], Callable[[int, Request, Answer], Any]]:
        """A Kela system syncing: each task pages forward from its own place in the feed
        (task n of c starts at n/c of it), ``page`` changes a page."""
        since: dict[int, str | None] = {}
        query = self.feed.replace("first: 100", f"first: {page}")

        def start(n: int) -> str | None:
            position = last_position * n // concurrency
            return encode_cursor("changes.v1", position) if position else None

        def next_request(n: int) -> Request:
            if n not in since:
                since[n] = start(n)
            return graphql_request(query, {"since": since[n]}, self.kela_sync, "Sync")

        def check(n: int, _: Request, answer: Answer) -> tuple[str | None, int]:
            problem = answer_problem(answer)
            if problem is not None:
                return problem, 0
            feed = json.loads(answer.body)["data"]["changes"]
            info = feed["pageInfo"]
            since[n] = info["endCursor"] if info["hasNextPage"] else start(n)
            return None, len(feed["edges"])

        return next_request, check

    # --- W5: consent writes ----------------------------------------------------------------

    def w5(self, clients: Sequence[Pick], seed: int) -> Callable[[int], Request]:
        """``grantConsent`` by a social worker of the client's organiser (ORAL, staff
        recording the client's will), clients in turn. Every generated client was informed
        (its chain starts with INFORMED), as a grant requires."""
        rng = random.Random(seed)  # noqa: S311  (synthetic data)
        order = list(clients)
        rng.shuffle(order)
        cycle = itertools.cycle(order)

        def next_request(_: int) -> Request:
            cid, org = next(cycle)
            variables = {
                "input": {
                    "clientId": cid,
                    "granteeId": KELA,
                    "categories": ["PLAN", "LIFE_ECONOMY"],
                    "purpose": "Toimeentulotuen käsittely",
                    "method": "ORAL",
                }
            }
            return graphql_request(documents.GRANT, variables, self.worker(org), "Grant")

        return next_request
