"""A real Ray cluster of two machines on this one (ray.cluster_utils, loopback only): groups
spread over the machines, a machine killed mid-group (its finished cell kept, the rest retried
on the other), the last machine killed (lost_node) and --resume on a machine added later."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on 127.0.0.1 only
ray = pytest.importorskip(
    "ray", reason="the cluster tests need Ray: pip install 'stackpick[ray]' (make test has it)")

from ray.cluster_utils import Cluster  # noqa: E402

from stackpick import pipeline  # noqa: E402
from stackpick.analysis.run_view import load_results  # noqa: E402
from stackpick.harness import ray_executor  # noqa: E402
from stackpick.harness.fleet import ClusterOptions  # noqa: E402
from stackpick.harness.plan import plan_study  # noqa: E402
from stackpick.harness.stopping import StopRule  # noqa: E402
from stackpick.protocol.cells import CellResult  # noqa: E402
from stackpick.report.jsondoc import results_json  # noqa: E402
from stackpick.store import open_store  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.slow]
LABELS = ray_executor.local_resources()
# Short rounds, but long enough (>= 2 s of timing) that a machine killed when the group's
# first (early) cell arrives dies while the others are still being set up or timed.
RULE = StopRule(rounds_per_block=10, min_blocks=2, max_blocks=2, round_time_s=0.1,
                max_time_s=3.0)


@pytest.fixture(scope="module")
def cluster():
    ray_executor._loopback_only()
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(2):
        c.add_node(num_cpus=1, resources=LABELS)
    c.wait_for_nodes()
    yield c
    c.shutdown()


class KillOnFirst:
    """Progress that kills the machine which sent the first finished cell."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster, self.killed = cluster, None

    def __enter__(self) -> KillOnFirst:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def stage(self, cell, what):
        pass

    def finished(self, result: CellResult) -> None:
        if self.killed is None:
            node_id = result.metrics.node["id"]
            (node,) = [n for n in self.cluster.list_all_nodes() if n.node_id == node_id]
            self.cluster.remove_node(node, allow_graceful=False)
            self.killed = result.metrics.node["name"]


def test_groups_spread_over_both_machines_and_name_them(cluster, tmp_path):
    quick = StopRule(rounds_per_block=3, min_blocks=2, max_blocks=2, round_time_s=0.05,
                     max_time_s=1.0)
    plan = plan_study(["mlp"], [("fake", "latency=200"), ("fake", "latency=300")],
                      ["inference"], [1, 2], None, 1, "cpu", quick)
    with open_store(tmp_path / "s.db") as store:
        run_id = pipeline.start_run(store, plan)
        executor = pipeline.make_executor(plan, cluster=ClusterOptions(cluster.address))
        pipeline.measure(store, plan, run_id, executor)
        data = results_json(load_results(store, run_id))
    cells = [c for g in data["groups"] for c in g["cells"]]
    assert [c["status"] for c in cells] == ["ok"] * 4
    for g in data["groups"]:  # a group's rounds interleave on one machine
        assert len({c["node"] for c in g["cells"]}) == 1
    assert {c["metrics"]["node"]["name"] for c in cells} == {c["node"] for c in cells}
    assert len(data["machines"]) == len({c["node"] for c in cells}) == 2  # both at once
    assert all(c["metrics"]["node"]["cpu"]["model"] for c in cells)


def test_machine_killed_mid_group_then_last_one_lost_then_resumed(cluster, tmp_path):
    first = "fake:fail=unsupported+at=configure"  # settled as soon as its worker starts
    plan = plan_study(["mlp"], [("fake", first.split(":", 1)[1]), ("fake", "latency=200"),
                                ("fake", "latency=300")], ["inference"], [2], None, 1, "cpu",
                      RULE)
    opts = pipeline.BenchOptions(cluster=ClusterOptions(cluster.address))
    with open_store(tmp_path / "s.db") as store:
        # 1: the machine dies after the first cell (the machine keeps it), and the fake cells
        # still being timed are measured on the other machine.
        run_id = pipeline.start_run(store, plan)
        killer = KillOnFirst(cluster)
        pipeline.measure(store, plan, run_id, pipeline.make_executor(plan, cluster=opts.cluster),
                         lambda n: killer)
        by = {c.label: c for c in store.cells(run_id)}
        assert by[first].status == "unsupported" and by[first].node == killer.killed
        for label in ("fake:latency=200", "fake:latency=300"):
            assert by[label].status == "ok", by[label].reason
            assert by[label].node not in ("", killer.killed)
        # 2: the same with no machine to retry on: lost_node, with the reason.
        run_id = pipeline.start_run(store, plan)
        second = KillOnFirst(cluster)
        pipeline.measure(store, plan, run_id, pipeline.make_executor(plan, cluster=opts.cluster),
                         lambda n: second)
        lost = [c for c in store.cells(run_id) if c.status == "lost_node"]
        assert len(lost) == 2 and "--resume" in lost[0].reason
        kept = [c for c in store.cells(run_id) if c.status != "lost_node"]
        # 3: a new machine joins; --resume measures only the lost cells, there.
        cluster.add_node(num_cpus=1, resources=LABELS)
        cluster.wait_for_nodes()
        pipeline.bench(store, opts, resume=run_id)
        after = {c.label: c for c in store.cells(run_id)}
        assert [after[first].id] == [c.id for c in kept]  # kept, not measured again
        for label in ("fake:latency=200", "fake:latency=300"):
            assert after[label].status == "ok", after[label].reason
            assert after[label].node not in ("", killer.killed, second.killed)
