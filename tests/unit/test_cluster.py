"""Fleet-study machinery without Ray: scheduling, retry, lost_node, the node column, the
per-machine comparison, compare across machines, the simulation and the --ray flag checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stackpick import harness
from stackpick.analysis.machines import machines, per_machine
from stackpick.cli import main
from stackpick.errors import UserError
from stackpick.harness.cluster import (
    FleetRun,
    Node,
    NodeLost,
    check_coverage,
    choose_nodes,
    pin_every_node,
)
from stackpick.harness.estimate import estimate_group_s, simulate_fleet
from stackpick.harness.plan import StudyPlan, plan_study
from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import CellMetrics, CellResult, Summary, Timing
from stackpick.protocol.runs import PlanRecord
from stackpick.report.compare_runs import compare_runs
from stackpick.store import open_store

A = Node("a", "aaaa1111", "10.0.0.1", {"CPU": 4, "cpu-x86": 1})
B = Node("b", "bbbb2222", "10.0.0.2", {"CPU": 4, "cpu-arm": 1})
HEAD = Node("head", "cccc3333", "10.0.0.3", {"CPU": 0})


def plan(batches: list[int], backends: int = 2) -> StudyPlan:
    names = [("fake", f"latency={100 + i}") for i in range(backends)]
    return plan_study(["mlp"], names, ["inference"], batches, None, 1, "cpu", StopRule.quick())


class ScriptedLauncher:
    """Runs groups instantly; ``die`` maps a machine to how many cells it answers first."""

    def __init__(self, die: dict[str, int] | None = None) -> None:
        self.die, self.calls, self.cancelled = die or {}, [], False

    def launch(self, node: Node, cells: list) -> Iterator[tuple[Any, ...]]:
        self.calls.append((node.name, [c.key for c in cells]))
        for i, cell in enumerate(cells):
            if node.name in self.die and i >= self.die[node.name]:
                raise NodeLost(f"{node.name} went away")
            yield ("stage", cell, "timing")
            yield ("cell", CellResult(cell, "ok", CellMetrics(node={"name": node.name})))

    def cancel(self) -> None:
        self.cancelled = True


def run(p: StudyPlan, nodes: list[Node], launcher: ScriptedLauncher,
        skip: set[str] | None = None) -> dict[str, CellResult]:
    got: dict[str, CellResult] = {}
    FleetRun(nodes, launcher, lambda r: got.__setitem__(r.cell.key, r)).run(p, skip)
    return got


def test_each_group_runs_once_on_one_machine_and_skips_done_cells():
    p = plan([1, 2, 3])
    launcher = ScriptedLauncher()
    got = run(p, [HEAD, A, B], launcher, skip={p.cells[0].key})
    assert len(got) == len(p.cells) - 1 and all(r.status == "ok" for r in got.values())
    assert {n for n, _ in launcher.calls} <= {"a", "b"}  # never the head (no CPUs)
    assert len(launcher.calls) == 3  # one task per group


def test_machine_dying_mid_group_keeps_finished_cells_and_retries_the_rest():
    p = plan([1], backends=3)
    launcher = ScriptedLauncher(die={"a": 1})
    got = run(p, [A, B], launcher)
    first, *rest = p.cells
    assert got[first.key].metrics.node == {"name": "a"}  # kept from the machine that died
    assert all(got[c.key].metrics.node == {"name": "b"} for c in rest)
    assert launcher.calls[1] == ("b", [c.key for c in rest])


def test_no_machine_left_stores_lost_node_with_the_reason():
    p = plan([1], backends=2)
    got = run(p, [A], ScriptedLauncher(die={"a": 1}))
    lost = got[p.cells[1].key]
    assert got[p.cells[0].key].status == "ok"
    assert lost.status == "lost_node" and "a went away" in lost.reason and "--resume" in lost.reason


def test_every_node_pins_one_copy_per_machine_and_keys_name_it():
    pinned = pin_every_node(plan([1]), [A, B, HEAD])
    assert sorted(c.key for c in pinned.cells) == sorted(
        f"mlp/inference/b1/cpu/fake:latency={lat}@{n}" for lat in (100, 101) for n in "ab")
    assert len(pinned.groups()) == 2
    assert StudyPlan.from_json(pinned.to_json()).cells == pinned.cells
    launcher = ScriptedLauncher(die={"a": 0})  # a pinned group never moves to another machine
    got = run(pinned, [A, B], launcher)
    assert {r.status for k, r in got.items() if k.endswith("@a")} == {"lost_node"}
    assert {r.status for k, r in got.items() if k.endswith("@b")} == {"ok"}


def test_choose_nodes_and_coverage_refuse_with_one_line():
    assert choose_nodes([A, B], "cpu-arm") == [B]
    assert choose_nodes([A, B], "aaaa,10.0.0.2") == [A, B]
    with pytest.raises(UserError, match=r"--nodes 'gpu-nvidia' matches no machine.*a \(cpu-x86"):
        choose_nodes([A, B], "gpu-nvidia")
    cuda = plan_study(["mlp"], [("fake", "default")], ["inference"], [1], None, 1, "cuda")
    with pytest.raises(UserError, match="no machine of the cluster serves --device cuda"):
        check_coverage(cuda, [A, B])


def _save(store, run_id, cell, node, median):
    s = Summary(median=median, n=10)
    metrics = CellMetrics(timing=Timing(s), node={"name": node, "cpu": {"model": node.upper(),
                                                                       "arch": "x86_64"}})
    store.save_result(run_id, CellResult(cell, "ok", metrics, rounds=[[median * 0.99, median,
                                                                      median * 1.01]] * 6))


def test_node_column_per_machine_rows_and_compare_across_machines(tmp_path):
    cell = plan([1], backends=1).cells[0]
    with open_store(tmp_path / "s.db") as store:
        run_a = store.create_run("bench", PlanRecord([], 1), {})
        run_b = store.create_run("bench", PlanRecord([], 1), {})
        _save(store, run_a, cell, "a", 1000.0)
        _save(store, run_b, cell, "b", 2000.0)
        fleet = store.create_run("bench", PlanRecord([], 1), {})
        for name, median in (("a", 1000.0), ("b", 3000.0)):
            _save(store, fleet, pin_every_node(StudyPlan([cell], 1), [A if name == "a" else B]
                                               ).cells[0], name, median)
        stored = store.cells(fleet)
        assert sorted(c.node for c in stored) == ["a", "b"]
        assert [m.name for m in machines(stored)] == ["a", "b"]
        (row,) = per_machine(stored)
        assert row.key == cell.key and [(t.node, t.vs_fastest) for t in row.times] == [
            ("a", 1.0), ("b", 3.0)]
        diff = compare_runs(store, run_a, run_b)  # two machines, same key
        assert [c.direction for c in diff.changes] == ["slower"] and diff.machines_b == ["b"]
        within = compare_runs(store, fleet, fleet, node_a="a", node_b="b")
        assert within.changes[0].key == cell.key and within.changes[0].size > 2.5
        with pytest.raises(UserError, match="no cell measured on machine 'z'"):
            compare_runs(store, fleet, fleet, node_a="z")


def test_lost_node_cells_are_measured_again_on_resume(tmp_path):
    cell = plan([1], backends=1).cells[0]
    with open_store(tmp_path / "s.db") as store:
        run_id = store.create_run("bench", PlanRecord([], 1), {})
        store.save_result(run_id, CellResult(cell, "lost_node", reason="machine died"))
        assert store.done_keys(run_id) == set()


def test_simulation_uses_the_planner_estimates():
    p = plan_study(["mlp", "cnn"], [("torch", "default"), ("onnxruntime", "default")],
                   ["inference"], [1, 8, 32, 64], None, 2, "cpu", StopRule.journey())
    serial = sum(estimate_group_s(c, p.rule) for c in p.groups().values())
    one = simulate_fleet(p, 1, speed_spread=0.0, overhead_s=0.0)
    assert one.wall_s == pytest.approx(serial)
    spread = simulate_fleet(p, 100)
    assert spread.wall_s < serial / 3  # 8 groups, one machine each
    every = simulate_fleet(p, 100, every_node=True, failure_rate=0.05)
    assert every.wall_s > serial * 0.9 and every.retries > 0


def test_cluster_flags_need_ray_and_ray_needs_the_extra(capsys, monkeypatch):
    assert main(["bench", "--backends", "fake", "--nodes", "a"]) == 2
    assert "--ray auto" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "stackpick.harness.ray_executor", raising=False)
    monkeypatch.delattr(harness, "ray_executor", raising=False)  # imported by another test
    assert main(["bench", "--backends", "fake", "--batch", "1", "--ray", "local"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["Error: --ray needs Ray, which is not installed; install it with: "
                   "pip install 'stackpick[ray]'"]


def test_help_imports_no_ray():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "stackpick", "bench",
                           "--help"], capture_output=True, text=True, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "--ray" in proc.stdout
    assert not {m for m in imported if m == "ray" or m.startswith("ray.")}


def test_a_v1_store_migrates_to_the_node_column(tmp_path):
    db = tmp_path / "v1.db"
    shutil.copy(Path(__file__).parents[1] / "data" / "stores" / "v1.db", db)
    with open_store(db) as store:
        columns = [r[1] for r in store.conn.execute("PRAGMA table_info(cells)")]
        assert "node" in columns
        run_id = store.runs()[-1].id
        assert {c.node for c in store.cells(run_id)} == {""}  # local runs measured no machine


def test_run_refuses_cluster_flags_without_ray(capsys):
    assert main(["run", "--defaults", "--every-node"]) == 2
    assert "--ray auto" in capsys.readouterr().err
