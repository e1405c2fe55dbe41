#!/usr/bin/env bash
# One short check of the CUDA code paths on a machine with an NVIDIA GPU:
#   bash benchmarks/gpu_check.sh [OUTDIR]
# Runs torch, torch-compile and jax on cuda (parity first, then timing) for every workload and
# task, plus the same cells on the CPU of that machine for scale, and prints both tables.
# Needs torch and/or jax with CUDA, numpy, typer, rich, pyyaml; TensorFlow is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-.}}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
python3 -m stackpick env --json "$out/gpu-env.json" >/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -m stackpick bench --workload all --backends torch,torch-compile,jax \
  --task inference,training --device cuda --quick --db "$out/gpu.db" --json "$out/gpu.json"
python3 -m stackpick bench --workload mlp,transformer --backends torch,jax --threads 8 \
  --task inference --device cpu --quick --db "$out/gpu.db" --json "$out/cpu.json"
