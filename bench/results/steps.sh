# Sourced by a results folder's run.sh, from the repository root: `run NAME COMMAND...` runs one
# step, its stdout to $out/NAME.txt and stderr to $out/NAME.err, and logs its start, exit code,
# wall time and the machine's load to $out/steps.log. Set $out (the folder) and the array $steps
# (the step names asked for; empty: every step) before calling it.
run() {
  local name=$1; shift
  if [ ${#steps[@]} -ne 0 ] && [[ " ${steps[*]} " != *" $name "* ]]; then return; fi
  local started; started=$(date +%s)
  echo "$(date -u +%H:%M:%S) $name start, load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/steps.log"
  local rc=0
  "$@" > "$out/$name.txt" 2> "$out/$name.err" || rc=$?
  echo "$(date -u +%H:%M:%S) $name exit $rc, $(( $(date +%s) - started )) s, load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/steps.log"
}
