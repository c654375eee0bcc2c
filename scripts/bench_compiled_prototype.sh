#!/usr/bin/env bash
# The compiled-path prototype of docs/benchmarks.md (issue 26): the modules on the 1:1 message path compiled
# unchanged with Cython, measured against the same modules interpreted, A/B interleaved (the machine's speed
# drifts by about 10 % over half an hour, so the two sides alternate run by run).
#
# Cython is installed into a throwaway directory (not a dependency of the project); the compiled modules are
# built into this checkout and removed when the script ends, however it ends. Results: one JSON per run in
# $OUT (default docs/bench/compiled-prototype/), and a line per run on stdout.
#
#   scripts/bench_compiled_prototype.sh [RUNS_PER_SIDE (3)] [RATES (1600 2400)]
set -euo pipefail
cd "$(dirname "$0")/.."

CYTHON_VERSION="3.1.8"
RUNS="${1:-3}"
RATES="${2:-1600 2400}"
OUT="${OUT:-docs/bench/compiled-prototype}"
# The modules of the profile's 1:1 path (docs/benchmarks.md, third pass): handler, policy, store adapter and
# value normalisation, gateway and session dispatch, TCP framing, the routing bus and session registry, metrics.
MODULES=(
  turms/service/message/create.py turms/service/message/policy.py turms/service/api.py
  turms/storage/values.py turms/storage/sqlite.py turms/storage/schema.py
  turms/gateway/gateway.py turms/gateway/session_handler.py turms/gateway/local.py
  turms/transport/tcp.py turms/protocol/framing.py
  turms/cluster/bus.py turms/cluster/sessions.py turms/observability/tick.py
)

work="$(mktemp -d)"
built=()
cleanup() {
  for m in "${MODULES[@]}"; do
    rm -f "${m%.py}".c "${m%.py}".cpython-*.so
  done
  rm -rf "$work" build
}
trap cleanup EXIT

.venv/bin/python -m pip install -q --target "$work/cython" "cython==$CYTHON_VERSION"
cat > "$work/build.py" <<'EOF'
import sys

from Cython.Build import cythonize
from setuptools import setup

modules = sys.argv[1:]
setup(
    script_args=["build_ext", "--inplace", "-q"],
    ext_modules=cythonize(
        modules,
        language_level=3,
        quiet=True,
        nthreads=2,
        # Unchanged Python: annotations are not C types, functions stay introspectable.
        compiler_directives={"annotation_typing": False, "binding": True},
    ),
)
EOF
echo "compiling ${#MODULES[@]} modules with Cython $CYTHON_VERSION..." >&2
PYTHONPATH="$work/cython" .venv/bin/python "$work/build.py" "${MODULES[@]}" >"$work/build.log" 2>&1 \
  || { tail -20 "$work/build.log" >&2; exit 1; }
mkdir -p "$work/aside" "$OUT"
for m in "${MODULES[@]}"; do
  built+=("$(ls "${m%.py}".cpython-*.so)")
done

compiled() { for so in "${built[@]}"; do [[ -e "$so" ]] || mv "$work/aside/$(basename "$so")" "$so"; done; }
interpreted() { for so in "${built[@]}"; do [[ -e "$so" ]] && mv "$so" "$work/aside/"; done; return 0; }

for rate in $RATES; do
  for i in $(seq 1 "$RUNS"); do
    for side in compiled interpreted; do
      "$side"
      loaded="$(.venv/bin/python -c 'import turms.service.message.create as m; print(m.__file__.endswith(".so"))')"
      [[ "$loaded" == True && "$side" == compiled || "$loaded" == False && "$side" == interpreted ]] \
        || { echo "the $side side did not load as such" >&2; exit 1; }
      .venv/bin/turms bench one-to-one --workers 2 --processes 2 --pairs 300 --duration-s 12 --rate "$rate" \
        --label "1:1 at $rate/s, $side (run $i)" --json "$OUT/$side-$rate-$i.json" >"$work/run.log" 2>&1 \
        || { tail -20 "$work/run.log" >&2; exit 1; }
      echo "$rate/s run $i $side: $(grep -E 'server_cpu_ms_per_message|send_to_delivery_ms|^  lost ' "$work/run.log" \
        | tr -s ' ' | tr '\n' ' ')"
    done
  done
done
