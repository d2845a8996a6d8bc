# Helpers sourced by the scripts in this folder (not a command of its own).
#   repo_root        absolute path of the repository root
#   find_shared      prints the shared data folder, or returns 1 when there is none:
#                    $NEWSQUOTES_SHARED, else ../shared or ../../shared next to the repository root
#   ci_mode          true when running under CI ($CI set, and not "false" or "0")
#   measure CMD...   runs CMD (stdin/stdout/stderr untouched except that a report line is added
#                    at the end) and writes "WALL_SECONDS MAX_RSS_KIB" to the file in $MEASURE_OUT;
#                    uses /usr/bin/time -v, or a python3 getrusage wrapper when that is missing

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

find_shared() {
  if [[ -n "${NEWSQUOTES_SHARED:-}" ]]; then
    if [[ -d "$NEWSQUOTES_SHARED" ]]; then
      (cd "$NEWSQUOTES_SHARED" && pwd)
      return 0
    fi
    echo "warning: NEWSQUOTES_SHARED=$NEWSQUOTES_SHARED is not a directory; looking elsewhere" >&2
  fi
  local d
  for d in "$repo_root/../shared" "$repo_root/../../shared"; do
    if [[ -d "$d" ]]; then
      (cd "$d" && pwd)
      return 0
    fi
  done
  return 1
}

ci_mode() {
  [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]
}

measure() {
  : "${MEASURE_OUT:?measure needs MEASURE_OUT}"
  if [[ -x /usr/bin/time ]]; then
    local log status=0
    log=$(mktemp)
    /usr/bin/time -v -o "$log" "$@" || status=$?
    python3 - "$log" "$MEASURE_OUT" <<'PY'
import sys
wall = rss = None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("Elapsed (wall clock) time"):
        t = line.rsplit(" ", 1)[1]          # h:mm:ss or m:ss.ss
        parts = [float(p) for p in t.split(":")]
        wall = 0.0
        for p in parts:
            wall = wall * 60 + p
    elif line.startswith("Maximum resident set size (kbytes)"):
        rss = int(line.rsplit(" ", 1)[1])
open(sys.argv[2], "w").write(f"{wall} {rss}\n")
PY
    rm -f "$log"
    return "$status"
  else
    # -c rather than a here-document, so that the command keeps this shell's stdin.
    python3 -c '
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
status = subprocess.call(cmd)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
open(out, "w").write(f"{wall:.3f} {rss}\n")
sys.exit(status if status >= 0 else 128 - status)
' "$MEASURE_OUT" "$@"
  fi
}
