from stackpick.analysis.economics import group_economics
from stackpick.protocol.cells import CellMetrics, StoredCell


def cell(backend, variant, build_s, first_s, median_ns, status="ok"):
    metrics = {"build_s": build_s, "first_call_s": first_s, "latency_ns": {"median": median_ns}}
    return StoredCell(1, 1, backend + variant, "g", "mlp", backend, variant, "inference", 1,
                      "cpu", status, None, None, CellMetrics.from_dict(metrics))


def test_break_even_counts_calls_to_recover_compile_time():
    (econ,) = group_economics([cell("torch", "default", 0.1, 0.01, 2e6),
                               cell("torch-compile", "default", 0.1, 3.01, 1e6)])
    assert econ.speedup == 2.0
    assert econ.break_even_calls == 3000  # 3 s extra / 1 ms saved per call
    assert "pays off after 3,000 calls" in econ.sentence()


def test_slower_compiled_variant_never_pays_off():
    (econ,) = group_economics([cell("tensorflow", "eager", 0.1, 0.1, 1e6),
                               cell("tensorflow", "xla", 0.1, 2.0, 1.5e6)])
    assert econ.break_even_calls is None and "never pays off" in econ.sentence()


def test_no_baseline_or_failed_cell_gives_nothing():
    assert group_economics([cell("torch-compile", "default", 0.1, 3.0, 1e6)]) == []
    assert group_economics([cell("torch", "default", 0.1, 0.01, 2e6),
                            cell("torch-compile", "default", 0.1, 3.0, 1e6, "crash")]) == []


def test_cheaper_start_but_slower_calls_never_pays_off():
    (econ,) = group_economics([cell("torch", "default", 0.05, 0.01, 1e6),
                               cell("jax", "default", 0.01, 0.01, 2e6)])
    assert econ.break_even_calls is None


def test_cheaper_start_and_faster_calls_pays_off_at_once():
    (econ,) = group_economics([cell("torch", "default", 0.05, 0.01, 2e6),
                               cell("jax", "default", 0.01, 0.01, 1e6)])
    assert econ.break_even_calls == 0
