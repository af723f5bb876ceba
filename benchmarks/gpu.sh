#!/usr/bin/env bash
# The whole GPU check in one call (issue 16): on a machine with a CUDA GPU, from the repo root:
#     bash benchmarks/gpu.sh [OUT_DIR]
# Uses the machine's own python3 where its JAX already sees a GPU (the lent GPU machines have
# jax + optax + pytest preinstalled and no network), with this checkout on PYTHONPATH;
# elsewhere installs jax[cuda12] into .venv-gpu. Then checks the jit path on the GPU (the
# tests that compile programs), runs the benchmark suites, and writes OUT_DIR/gpu_results.md.
# Never needed by CI; everything also runs on CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-${OUT:-benchmarks/gpu_out}}"
mkdir -p "$OUT"
if python3 -c "import jax, optax, pytest; assert jax.default_backend() == 'gpu'" 2>/dev/null; then
  PY=python3
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
  if [ ! -x .venv-gpu/bin/python ]; then
    python3 -m venv .venv-gpu
    .venv-gpu/bin/pip install -q -e '.[test]' 'jax[cuda12]'
  fi
  PY=.venv-gpu/bin/python
fi
{
  echo "# GPU run, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo '```'
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  $PY -c "import jax; print('jax', jax.__version__, jax.devices())"
  echo '```'
  echo
  echo "## jit-path tests on the GPU"
  echo
  echo '```'
  timeout 900 $PY -m pytest -q -x -p no:cacheprovider tests/test_function.py tests/test_eager_scalars.py \
    tests/test_function_first_call.py tests/test_pooling.py tests/nn/test_training.py 2>&1 | tail -5 || true
  echo '```'
  echo
  echo "## function step vs jax.jit + optax"
  echo
  timeout 900 $PY benchmarks/bench_function.py 2>&1 | tail -20 || true
  echo
  echo "## core suites"
  echo
  timeout 900 $PY benchmarks/run.py --quick 2>&1 | tail -60 || true
} > "$OUT/gpu_results.md"
echo "wrote $OUT/gpu_results.md"
