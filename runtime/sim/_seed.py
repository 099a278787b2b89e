"""Seed the store: a workspace as Mode shows it, every record consistent with the others.

The hand-made part is what Mode's clients walk: the workspace and its users, spaces (shared
ones and members' personal ones), data sources, reports with their queries, charts, past runs
(each with its query runs) and schedules, datasets with theirs, and memberships. Ids that
refer to each other agree (a query's ``data_source_id`` is a listed data source's ``id``, a
report's ``space_token`` a listed space). Every other model the catalog knows is seeded by
its shape alone (``_seed_model``): a few records under the parents above, so every listing
has something in it and every link into the API resolves.

Tokens of the hand-made part come from one random source seeded with ``seed``, drawn in a fixed
order (the same seed gives the same tokens); everything else derives its tokens from its
parents' (``derived_token``), so adding a model to the spec shifts no existing token.
"""

from __future__ import annotations

import random
from typing import Any

from ._clock import derived_token
from ._runs import start_dataset_run, start_run
from ._shapes import Plan, Shape, placeholders
from ._store import Record, Store
from ._values import plausible

PER_SCOPE = 2  # resources seeded under each parent, for the models seeded by shape
SCOPES = 3  # parents each such model is seeded under, at most
PAST = -30 * 86400.0  # history happened in the month before sim-time 0

REPORT_NAMES = (
    "Weekly Active Wizards",
    "House Points Ledger",
    "Potions Inventory",
    "Quidditch Season Stats",
    "Library Checkouts",
)
QUERY_NAMES = (
    "Daily Revenue",
    "Active Wizards",
    "Refunds, by House",
    "Owl Post Latency",
    "Potion Stock Levels",
    "Top Spenders",
)
DATASET_NAMES = ("Enrollment", "Owl Post Deliveries")
# The first user is the one the simulator's API token belongs to.
USERS = ("albus_dumbledore", "minerva_mcgonagall", "severus_snape")
SHARED_SPACES = ("Hogwarts", "Gryffindor", "Hufflepuff", "Ravenclaw", "Slytherin")
DATA_SOURCES = (
    (7, "Hogwarts Warehouse", "jdbc:postgresql"),
    (8, "Ministry Archive", "jdbc:snowflake"),
)


def seed_store(
    store: Store, plans: list[Plan], *, reports: int = 5, discovery_reports: int = 2600
) -> list[str]:
    """Fill ``store``; ``plans`` are the operations it serves. Returns the tokens of the
    seeded reports that have queries, runs and schedules, in seed order (the last one is
    seeded to fail when run)."""
    world = _World(store)
    world.accounts()
    main_space = world.draw()
    # a big workspace has more spaces: one more for every 20 reports past the first five
    spaces = world.spaces(main_space, extra=max(reports - len(REPORT_NAMES), 0) // 20)
    sources = world.data_sources()
    personal = [s for s in spaces if s.fields["space_type"] == "personal"]
    shared = [s for s in spaces if s.fields["space_type"] != "personal"]
    full = [
        world.report(
            index,
            reports,
            main_space if index < len(REPORT_NAMES) else shared[index % len(shared)].token,
            sources,
        )
        for index in range(reports)
    ]
    for index, name in enumerate(DATASET_NAMES):
        world.dataset(index, name)
    for number in range(max(discovery_reports - len(full), 0)):
        if number % 5 == 0:
            space = personal[number % len(personal)]
        elif number % 7 == 0:
            space = shared[1 + number % (len(shared) - 1)]
        else:
            space = shared[0]
        world.bare_report(number, space)
    world.memberships()
    _seed_by_shape(store, plans)
    return full


class _World:
    """The hand-made part of the workspace, drawn in a fixed order from one random source."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rng = random.Random(store.seed)
        # queries draw from their own source, so the other tokens do not depend on them
        self.choose = random.Random(f"{store.seed}/queries")
        self.next_id = 1000

    def draw(self) -> str:
        return f"{self.rng.getrandbits(48):012x}"

    def stamp(self, sim_time: float) -> str:
        return self.store.clock.timestamp(sim_time)

    def add(
        self,
        shape: str,
        token: str,
        scope: dict[str, str],
        fields: dict[str, Any],
        *,
        joins: dict[str, str] | None = None,
        **facts: Any,
    ) -> Record:
        # the other documented fields are drawn when first rendered (_documents.document)
        facts.setdefault("creator", self.store.me)
        return self.store.add(Record(shape, token, scope, dict(fields), joins or {}, facts))

    def scope(self, **parents: str) -> dict[str, str]:
        return {"account": self.store.account, **parents}

    # -- accounts, spaces, data sources -----------------------------------------------------

    def accounts(self) -> None:
        account = self.store.account
        self.add(
            "account",
            account,
            {},
            {
                "token": derived_token(account, "account"),
                "id": 1,
                "username": account,
                "name": account.replace("_", " ").title(),
                "user": False,
                "email": None,
                "avatar": {"type": "initials"},
                "created_at": self.stamp(PAST * 12),
            },
        )
        for number, username in enumerate(USERS):
            self.add(
                "account",
                username,
                {},
                {
                    "token": derived_token(account, "user", username),
                    "id": 100 + number,
                    "username": username,
                    "name": username.replace("_", " ").title(),
                    "email": f"{username.split('_')[0]}@{account}.example",
                    "email_verified": True,
                    "user": True,
                    "avatar": {"type": "initials"},
                    "created_at": self.stamp(PAST * 6),
                },
            )

    def spaces(self, main: str, *, extra: int = 0) -> list[Record]:
        made = []
        names = [*SHARED_SPACES, *(f"Common Room {n + 1}" for n in range(extra))]
        for number, name in enumerate(names):
            token = main if number == 0 else derived_token(str(self.store.seed), "space", name)
            made.append(self._space(token, 41 + number, name, "custom", USERS[0]))
        for number, username in enumerate(USERS):
            token = derived_token(str(self.store.seed), "personal space", username)
            title = username.replace("_", " ").title()
            made.append(self._space(token, 9000 + number, f"{title}'s space", "personal", username))
        return made

    def _space(self, token: str, id_: int, name: str, kind: str, creator: str) -> Record:
        return self.add(
            "space",
            token,
            self.scope(),
            {
                "token": token,
                "id": id_,
                "name": name,
                "description": None,
                "space_type": kind,
                "state": "active",
                "restricted": kind == "personal",
                "free_default": False,
                "viewable?": True,
                "viewed?": False,
                "default_access_level": "view",
            },
            creator=creator,
        )

    def data_sources(self) -> list[Record]:
        return [
            self.add(
                "data_source",
                f"{id_:012x}",
                self.scope(),
                {
                    "token": f"{id_:012x}",
                    "id": id_,
                    "name": name,
                    "display_name": name,
                    "adapter": adapter,
                    "account_username": self.store.account,
                    "soft_deleted": False,
                    "queryable": True,
                },
            )
            for id_, name, adapter in DATA_SOURCES
        ]

    # -- reports ------------------------------------------------------------------------------

    def report(self, index: int, count: int, space: str, sources: list[Record]) -> str:
        name = REPORT_NAMES[index % len(REPORT_NAMES)]
        if index >= len(REPORT_NAMES):
            name = f"{name} {index // len(REPORT_NAMES) + 1}"
        token = self.draw()
        source = sources[index % len(sources)]  # reports take turns between the data sources
        self.add(
            "report",
            token,
            self.scope(),
            self._report_fields(token, name, space, PAST),
            # listed under its space and the data source its queries read; it imports no dataset
            joins={"space": space, "data_source": source.token, "dataset": ""},
            fails=index == count - 1,
            seeded=True,
        )
        number_of_queries = 1 if index == 0 else self.choose.choice((2, 3))
        for number, query_name in enumerate(self.choose.sample(QUERY_NAMES, number_of_queries)):
            query = derived_token(token, "query", str(number))
            self.add(
                "query",
                query,
                self.scope(report=token),
                {
                    "token": query,
                    "id": int(query[:7], 16),
                    "name": query_name,
                    "raw_query": sql(query_name),
                    "data_source_id": source.fields["id"],
                    "created_at": self.stamp(PAST),
                    "updated_at": self.stamp(PAST),
                    "last_run_id": None,
                    "explorations_count": 0,
                    "report_imports_count": 0,
                    "dbt_metric_id": None,
                    "dbt_metric_token": None,
                    "mapping_id": None,
                },
            )
            chart = derived_token(query, "chart")
            self.add(
                "chart",
                chart,
                self.scope(report=token, query=query),
                {
                    "token": chart,
                    "view": chart_view(query_name),
                    "view_version": 2,
                    "view_vegas": {"chartType": "line", "format": {}, "encoding": {}},
                    "created_at": self.stamp(PAST),
                    "updated_at": self.stamp(PAST),
                },
            )
        # The first report has a long history, so its runs span several pages.
        for number in range(45 if index == 0 else 3):
            self.run(token, PAST + number * 3600.0)
        schedule = self.draw()
        self.add(
            "report_schedule",
            schedule,
            self.scope(report=token),
            _schedule_fields(schedule, f"{name}, daily", self.stamp(PAST), 900)
            | {"state": "active", "report_type": "Report", "delivery": "email"},
            cron={"freq": "daily", "hour": 8 + index % 12, "minute": 0, "time_zone": "UTC"},
        )
        self.run(token, PAST + 86400.0, schedule=schedule)
        return token

    def _report_fields(self, token: str, name: str, space: str, created: float) -> dict[str, Any]:
        self.next_id += 1
        return {
            "token": token,
            "id": self.next_id - 1,
            "name": name,
            "description": None,
            "type": "Report",
            "created_at": self.stamp(created),
            "updated_at": self.stamp(created),
            "edited_at": None,
            "archived": False,
            "space_token": space,
            "account_id": 1,
            "account_username": self.store.account,
            "public": False,
            "shared": False,
            "imported_datasets": None,
        }

    def bare_report(self, number: int, space: Record) -> None:
        """A report of the Discovery listings' long tail: no queries, never run."""
        token = self.draw()
        fields = self._report_fields(token, f"Report {number}", space.token, PAST)
        fields["id"] = 5000 + number
        self.next_id -= 1
        self.add(
            "report",
            token,
            self.scope(),
            fields,
            joins={"space": space.token, "data_source": "", "dataset": ""},
        )

    def run(self, report: str, started: float, *, schedule: str | None = None) -> Record:
        token = self.draw()
        # the seeded history succeeded, even of the report seeded to fail from now on
        return start_run(self.store, report, token, started, {}, schedule=schedule, fails=False)

    # -- datasets -------------------------------------------------------------------------------

    def dataset(self, index: int, name: str) -> None:
        token = self.draw()
        self.add(
            "dataset",
            token,
            self.scope(),
            {
                "token": token,
                "name": name,
                "created_at": self.stamp(PAST),
                "updated_at": self.stamp(PAST),
                "archived": False,
            },
        )
        for number in range(2):
            start_dataset_run(self.store, token, self.draw(), PAST + number * 7200.0)
        schedule = self.draw()
        self.add(
            "dataset_schedule",
            schedule,
            self.scope(dataset=token),
            _schedule_fields(schedule, f"{name} hourly", self.stamp(PAST), 600),
            cron={"freq": "hourly", "minute": 15},
        )

    # -- members --------------------------------------------------------------------------------

    def memberships(self) -> None:
        for number, username in enumerate(USERS):
            user = self.store.get("account", username)
            assert user is not None
            token = derived_token(self.store.account, "membership", username)
            self.add(
                "membership",
                token,
                self.scope(),
                {
                    "member_token": user.fields["token"],
                    "member_username": username,
                    "admin": number == 0,
                    "invited": False,
                    "state": "active",
                    "activated_at": self.stamp(PAST * 6),
                    "managed_by_scim": False,
                },
                user=username,
            )


def _schedule_fields(token: str, name: str, created: str, timeout: int) -> dict[str, Any]:
    return {
        "token": token,
        "name": name,
        "parameters": {},
        "created_at": created,
        "updated_at": created,
        "retry_state": "ok",
        "retry_count": 1,
        "retry_delay": 0,
        "timeout": timeout,
        "subscribed": False,
    }


def chart_view(title: str) -> dict[str, Any]:
    """A chart's ``view`` as Mode's VizView has it: the chart picked, and each kind's settings."""
    kinds = ("bar", "bigNumber", "line", "linePlusBar", "scatter", "pie", "area", "pivotTable")
    return {"selectedChart": "line", "chartTitle": title, **{kind: {} for kind in kinds}}


def sql(query_name: str) -> str:
    table = query_name.lower().replace(",", "").replace(" ", "_")
    return f"SELECT id, name, amount, created_at FROM {table}"


# -- every other model, by its shape ----------------------------------------------------------


def _seed_by_shape(store: Store, plans: list[Plan]) -> None:
    """A few records of each model the hand-made part does not hold, under its parents."""
    served = {plan.shape.name for plan in plans}
    order = sorted(
        (store.shapes.by_name[name] for name in served if name in store.shapes.by_name),
        key=lambda s: (s.home is None, len(s.parents), s.name),
    )
    for shape in order:
        if not store.tables[shape.name] and shape.name not in VIEWS.keys() | MADE_ON_REQUEST:
            _seed_model(store, shape, [p for p in plans if p.shape is shape])
    for plan in plans:
        if plan.kind == "list" and plan.shape.name not in VIEWS.keys() | MADE_ON_REQUEST:
            _spread(store, plan)


# Made by a behaviour when asked for (_behaviours), never seeded: a run's PDF export, a
# duplication of a run.
MADE_ON_REQUEST = frozenset({"pdf_export", "report_run_duplicate"})

# Models that are another model's records seen through the Discovery API: never stored, their
# listings render the records of the model named here (_discovery).
VIEWS = {
    "discovery_report": "report",
    "report_stat": "report",
    "discovery_space": "space",
    "discovery_query": "query",
    "discovery_chart": "chart",
    "discovery_member": "membership",
}


def _seed_model(store: Store, shape: Shape, plans: list[Plan]) -> None:
    if shape.home is not None:
        params = list(shape.parents)
    else:  # scoped like the operation listing (or making) it
        params = placeholders(plans[0].op.full_path) if plans else ["account"]
    scopes = store.scopes(params)[:SCOPES]
    joins = _joins(store, plans, params, shape)
    index = 0
    for scope in scopes:
        for number in range(PER_SCOPE):
            token = derived_token(str(store.seed), shape.name, *sorted(scope.values()), str(number))
            fields = plausible(store, shape.model, token, index)
            fits = [j for j in joins if all(scope.get(k, v) == v for k, v in j.items())]
            join = fits[number % len(fits)] if fits else {}
            join = {k: v for k, v in join.items() if k not in scope}
            store.add(
                Record(shape.name, token, dict(scope), fields, dict(join), {"creator": store.me})
            )
            index += 1


def _joins(
    store: Store, plans: list[Plan], params: list[str], shape: Shape
) -> list[dict[str, str]]:
    """Other parents a model is listed under (the schedule of a report's subscriptions): each
    seeded record joins one of them, in turn."""
    found: list[dict[str, str]] = []
    for plan in plans:
        if plan.kind != "list":
            continue
        names = placeholders(plan.op.full_path)
        extra = [n for n in names if n not in params and n != shape.key]
        if extra:  # kept whole, so a join is picked that agrees with the record's parents
            found.extend(store.scopes(names))
    return found


def _spread(store: Store, plan: Plan) -> None:
    """A listing by a parent its records know nothing about (the datasets of a data source)
    would list every record: each such record joins one of those parents in turn instead,
    so each listing holds some of them, not all."""
    shape = plan.shape
    for param in placeholders(plan.op.full_path):
        if param == "account" or param == shape.key or param in shape.parents:
            continue
        records = [r for r in store.records(shape) if param not in r.ids(shape.key)]
        parents = list(dict.fromkeys(ids[param] for ids in store.scopes(["account", param])))
        for index, record in enumerate(records if parents else []):
            record.joins[param] = parents[index % len(parents)]
