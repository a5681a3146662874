#!/usr/bin/env bash
# Fuzzes the parsers and verifiers (tests/fuzz) with libFuzzer under ASan + UBSan:
#   scripts/fuzz.sh [seconds-per-target]      (default 30)
# Builds with clang 14 into build-fuzz/ (or $SMREL_FUZZ_BUILD_DIR), replays every input kept in
# tests/fuzz/regressions/<target>/ once, then fuzzes each target for the given time from a copy of
# tests/fuzz/corpus/<target>/ in a temporary directory, so the repository is never written.
# Prints one summary line per target; exits non-zero if the build fails or anything crashes.
# Extra CMake arguments may follow the seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
[ $# -gt 0 ] && shift
build=${SMREL_FUZZ_BUILD_DIR:-$root/build-fuzz}
fuzz_dir=$root/tests/fuzz

# The compiler and libFuzzer, on top of the libraries the normal build installs.
fuzz_packages=(clang-14 libfuzzer-14-dev)
"$root/scripts/install-deps.sh"
missing=()
for p in "${fuzz_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_start=$SECONDS
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DSMREL_BUILD_FUZZ=ON "$@" >/dev/null
cmake --build "$build"
echo "fuzz build: $((SECONDS - build_start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work=$(mktemp -d "${TMPDIR:-/tmp}/smrel-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Prints a failing input so it can be recovered from a CI log: base64 -d > tests/fuzz/regressions/<target>/<name>
show_crash() {
  local target=$1 file
  for file in "$work/$target/artifacts/"*; do
    [ -f "$file" ] || continue
    echo "$target: crash input $(basename "$file") ($(stat -c %s "$file") bytes), base64:"
    head -c 4096 "$file" | base64 -w 0
    echo
  done
}

failed=()
summary=()
while IFS=$'\t' read -r target binary; do
  [ -n "$target" ] || continue
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  flags=(-timeout=10 -rss_limit_mb=2048 "-artifact_prefix=$work/$target/artifacts/")
  [ -f "$fuzz_dir/$target.dict" ] && flags+=("-dict=$fuzz_dir/$target.dict")
  # A fixed seed (CI) makes a run repeatable; without one each run explores afresh.
  [ -n "${SMREL_FUZZ_SEED:-}" ] && flags+=("-seed=$SMREL_FUZZ_SEED")

  regressions=()
  if [ -d "$fuzz_dir/regressions/$target" ]; then
    while IFS= read -r -d '' f; do regressions+=("$f"); done \
      < <(find "$fuzz_dir/regressions/$target" -type f ! -name 'README*' -print0 | sort -z)
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    echo "== $target: ${#regressions[@]} regression inputs"
    if ! "$binary" "${flags[@]}" "${regressions[@]}" >"$work/$target/regressions.log" 2>&1; then
      cat "$work/$target/regressions.log"
      failed+=("$target")
      summary+=("$target: FAILED on a regression input (tests/fuzz/regressions/$target)")
      continue
    fi
  fi

  echo "== $target: fuzzing for $seconds s"
  [ -d "$fuzz_dir/corpus/$target" ] && cp -R "$fuzz_dir/corpus/$target/." "$work/$target/corpus/"
  start=$SECONDS
  status=0
  "$binary" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 "$work/$target/corpus" \
    >"$work/$target/fuzz.log" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target/fuzz.log" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$work/$target/fuzz.log" | tail -n 1 || true)
  corpus=$(find "$work/$target/corpus" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$work/$target/fuzz.log"
    show_crash "$target"
    failed+=("$target")
    summary+=("$target: CRASHED (exit $status) after ${elapsed} s, ${runs:-?} runs")
  else
    summary+=("$target: ok, ${runs:-?} runs in ${elapsed} s ($(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))/s), ${cov:-cov: ?}, corpus $corpus files")
  fi
done <"$build/fuzz_targets.tsv"

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]} (keep a crash input in tests/fuzz/regressions/<target>/ once it is fixed)" >&2
  exit 1
fi
