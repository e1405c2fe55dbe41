"""Ray as the cluster behind a fleet study: connect, list machines, run one group per machine.

Imported only when ``--ray`` is given (``ray`` is the optional extra ``stackpick[ray]``). On
the machine, a Ray generator task runs the same harness as a local study (:func:`run_plan` with
a :class:`LocalExecutor` and its worker processes) for one group, and yields each finished cell
as it is ready; the launching process commits them. The task asks for every CPU and GPU of its
machine, so two groups never share one.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import queue
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

from stackpick.errors import UserError
from stackpick.harness import fingerprint
from stackpick.harness.cluster import Node, NodeLost
from stackpick.harness.executor import LocalExecutor, Timeouts
from stackpick.harness.plan import StudyPlan
from stackpick.harness.runner import run_plan
from stackpick.protocol.cells import Cell, CellResult
from stackpick.protocol.conversions import Conversion

INSTALL = "pip install 'stackpick[ray]'"
CONNECT_LIMIT_S = 30.0  # joining a cluster (docs/scale-out.md)
PROBE_S = 5.0  # a TCP connection to HOST:PORT before Ray tries

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no phoning home from a benchmark
try:
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
except ImportError:  # pragma: no cover - depends on the installation
    raise UserError(f"--ray needs Ray, which is not installed; install it with: {INSTALL}"
                    ) from None


class _NoThreadNote(logging.Filter):
    """Joining from a thread (for the time limit), ray.init says it cannot set its SIGTERM
    handler; stackpick's own handler is the one that should stay, so the note is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("SIGTERM handler is not set")


logging.getLogger("ray._private.worker").addFilter(_NoThreadNote())


def local_resources() -> dict[str, float]:
    """This machine's labels for an in-process cluster (``--ray local``)."""
    arch = platform.machine().lower()
    labels = {"cpu-arm": 1.0} if arch in ("aarch64", "arm64") else {"cpu-x86": 1.0}
    if fingerprint.gpus():
        labels["gpu-nvidia"] = 1.0
    return labels


_connected: list[str] = []  # the address this process connected to (and must disconnect)


def _loopback_only() -> None:
    """Keep an in-process cluster on 127.0.0.1. Ray replaces a loopback node address with the
    machine's reachable one unless its cluster mode is off (the switch it uses on macOS and
    Windows, read from RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER when Ray is imported; set here for
    the processes it starts and on the already imported constant for this one)."""
    from ray._private import ray_constants

    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False


def connect(address: str) -> None:
    """Join the cluster at ``address`` (``auto``, ``host:port``) or start one in this process
    (``local``, loopback only); a no-op when this process is connected already. Joining takes
    at most CONNECT_LIMIT_S: Ray itself retries an address with nothing behind it forever."""
    if ray.is_initialized():
        return
    quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                             "configure_logging": True, "logging_level": "warning"}
    try:
        if address == "local":
            _loopback_only()
            ray.init(resources=local_resources(), _node_ip_address="127.0.0.1", **quiet)
        else:
            quiet.pop("include_dashboard")  # only for a cluster this process starts
            _probe(address)
            _within_limit(address, lambda: ray.init(address=address, **quiet))
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UserError(f"--ray {address}: cannot reach a Ray cluster ({exc}); start one with "
                        "`ray start --head`, or use --ray local") from None
    _connected.append(address)


def _probe(address: str) -> None:
    """A HOST:PORT where nothing listens fails at once, with why (Ray would retry forever)."""
    host, sep, port = address.rpartition(":")
    if address == "auto" or "://" in address or not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_S).close()
    except OSError as exc:
        raise UserError(f"--ray {address}: nothing answers there ({exc.strerror or exc}); "
                        "start a cluster with `ray start --head` on that machine, or use "
                        "--ray local") from None


def _within_limit(address: str, init: Callable[[], Any]) -> None:
    """Run ``init`` in a thread and give up after CONNECT_LIMIT_S (the thread is a daemon:
    abandoned, it does not keep the process alive)."""
    outcome: list[BaseException | None] = []
    thread = threading.Thread(target=lambda: outcome.append(_caught(init)), daemon=True,
                              name="stackpick-ray-connect")
    # Ray's C++ client logs every failed attempt to fd 2 ("Failed to connect to GCS ...");
    # while it tries, that goes to a scratch file, so a failure stays one line.
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            thread.start()
            thread.join(CONNECT_LIMIT_S)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    if not outcome:
        raise UserError(f"--ray {address}: no Ray cluster answered within {CONNECT_LIMIT_S:.0f} s "
                        "(is a Ray head running there, reachable from here?); start one with "
                        "`ray start --head`, or use --ray local")
    if outcome[0] is not None:
        raise outcome[0]


def _caught(init: Callable[[], Any]) -> BaseException | None:
    try:
        init()
    except BaseException as exc:  # handed to the waiting thread, which raises it
        return exc
    return None


def disconnect() -> None:
    """Leave the cluster this process joined (stopping it for ``local``)."""
    if _connected:
        _connected.clear()
        ray.shutdown()


def cluster_nodes() -> list[Node]:
    """The live machines, named by address (plus an id prefix where addresses repeat, as for
    several nodes on one host)."""
    live = [n for n in ray.nodes() if n.get("Alive")]
    addresses = [n.get("NodeManagerAddress", "") for n in live]
    out = []
    for info, address in zip(live, addresses, strict=True):
        node_id = info["NodeID"]
        name = address if addresses.count(address) == 1 else f"{address}-{node_id[:6]}"
        out.append(Node(name, node_id, address, dict(info.get("Resources", {}))))
    return out


def node_fingerprint(node: Node, threads: int) -> dict[str, Any]:
    """What the machine is, recorded with every cell it measures."""
    fp = fingerprint.collect(threads)
    keep = ("cpu", "memory_bytes", "gpus", "os", "python", "frameworks", "load_average")
    return {"name": node.name, "id": node.node_id, "address": node.address,
            "hostname": platform.node(), "labels": node.labels,
            **{k: fp[k] for k in keep}}


class _Forward:
    """Progress and results of the harness on the machine, as events for the generator."""

    def __init__(self, events: queue.Queue[Any], node: dict[str, Any]) -> None:
        self.events, self.node = events, node

    def stage(self, cell: Cell, what: str) -> None:
        self.events.put(("stage", cell, what))

    def finished(self, result: CellResult) -> None:
        """The driver reports progress itself when the cell arrives."""

    def cell(self, result: CellResult) -> None:
        result.metrics.node = self.node
        self.events.put(("cell", result))

    def conversion(self, cell: Cell, conversion: Conversion) -> None:
        self.events.put(("conversion", cell, conversion))


@ray.remote(max_retries=0)
def measure_group(plan_json: str, keys: list[str], node: Node, timeouts: Timeouts,
                  memory_limit_mb: int) -> Iterator[tuple[Any, ...]]:
    """On the machine: one group through the local harness, each event yielded at once."""
    plan = StudyPlan.from_json(plan_json)
    cells = [c for c in plan.cells if c.key in set(keys)]
    events: queue.Queue[Any] = queue.Queue()
    forward = _Forward(events, node_fingerprint(node, plan.threads))
    done = object()

    def work() -> None:
        try:
            executor = LocalExecutor(plan.threads, cells[0].device, timeouts, memory_limit_mb)
            run_plan(dataclasses.replace(plan, cells=cells), forward.cell,
                     progress=forward, executor=executor, emit_conversion=forward.conversion)
        except BaseException as exc:  # reaches the launcher as this task's error
            events.put(exc)
        events.put(done)

    threading.Thread(target=work, daemon=True).start()
    while (event := events.get()) is not done:
        if isinstance(event, BaseException):
            raise event
        yield event


class RayLauncher:
    """:class:`~stackpick.harness.cluster.Launcher` over Ray generator tasks."""

    def __init__(self, plan: StudyPlan, timeouts: Timeouts, memory_limit_mb: int) -> None:
        self.plan_json = plan.to_json()
        self.timeouts, self.memory_limit_mb = timeouts, memory_limit_mb
        self.running: list[Any] = []

    def launch(self, node: Node, cells: list[Cell]) -> Iterator[tuple[Any, ...]]:
        whole = {"num_cpus": node.resources.get("CPU", 1),
                 "num_gpus": node.resources.get("GPU", 0)}
        task = measure_group.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(node.node_id, soft=False),
            **whole)
        stream = task.remote(self.plan_json, [c.key for c in cells], node, self.timeouts,
                             self.memory_limit_mb)
        self.running.append(stream)
        try:
            for ref in stream:
                yield ray.get(ref)
        except ray.exceptions.RayError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise NodeLost(f"{type(exc).__name__}: {first}"[:300]) from None

    def cancel(self) -> None:
        for stream in self.running:
            try:
                ray.cancel(stream, force=True)
            except Exception:  # already finished or its machine is gone
                continue
