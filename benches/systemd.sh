#!/usr/bin/env bash
# systemd's startup on Aramid and on Debian's Linux, same images, same QEMU:
# for each unit set (minimal, standard) and CPU count (1, 4), boots each
# kernel REPS times through the test-systemd dialogs
# (testing/suites/systemd-*.toml) and reports the medians of
#   - systemd's own figures: "Startup finished in K (kernel) + U (userspace)"
#   - QEMU start to "Reached target" of the default target, and to the
#     login prompt (standard) or the shell prompt (minimal), from the
#     runner's TIME lines
#   - memory in use at the prompt (MemTotal - MemAvailable, MiB)
# and the ratio Aramid/Linux of each. Figures, not tests.
# Usage: [UNITS="minimal standard"] [SMPS="1 4"] benches/systemd.sh [REPS] (after make kernel runner
# build/systemd-minimal.cpio build/systemd-standard.cpio build/linux/vmlinux);
# writes benches/results/systemd.md.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
unit_sets=${UNITS:-minimal standard}
cpus=${SMPS:-1 4}
runner=target/release/aramid-runner
out=benches/results/systemd.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "1min 2.5s", "951ms", "2.736s" -> milliseconds
to_ms() {
  awk '{ t = 0; for (i = 1; i <= NF; i++) { v = $i + 0;
         if ($i ~ /min$/) t += v * 60000; else if ($i ~ /ms$/) t += v;
         else if ($i ~ /us$/) t += v / 1000; else if ($i ~ /s$/) t += v * 1000 }
       printf "%.0f\n", t }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for units in $unit_sets; do
  for smp in $cpus; do
    for kernel in aramid linux; do
      k=build/aramid.elf
      [ "$kernel" = linux ] && k=build/linux/vmlinux
      for rep in $(seq "$reps"); do
        res="$tmp/$units-$smp-$kernel-$rep"
        "$runner" test --suite "testing/suites/systemd-$units.toml" --kernel "$k" \
          --initrd "build/systemd-$units.cpio" --smp "$smp" > "$res.out" 2>&1 || true
        cp "build/logs/systemd-$units-smp$smp.log" "$res.log"
        sed -n 's/^TIME [^ ]* smp=[0-9]* "[^"]* - [^"]*" \([0-9.]*\) s$/\1/p' "$res.out" | awk '{ printf "%.0f\n", $1 * 1000 }' > "$res.target"
        sed -n 's/^TIME [^ ]* smp=[0-9]* "\(aramid login:\|:~# \)" \([0-9.]*\) s$/\2/p' "$res.out" | awk '{ printf "%.0f\n", $1 * 1000 }' > "$res.prompt"
        line=$(sed 's/\x1b\[[0-9;]*m//g' "$res.log" | grep -a -o 'Startup finished in .*(userspace)' | head -1 || true)
        echo "$line" | sed -n 's/.*in \(.*\) (kernel).*/\1/p' | to_ms > "$res.kernel"
        echo "$line" | sed -n 's/.*(kernel) + \(.*\) (userspace).*/\1/p' | sed 's/.*(initrd) + //' | to_ms > "$res.user"
        sed -n 's/^memused=\([0-9]*\).*/\1/p' "$res.log" | awk '{ printf "%.0f\n", $1 / 1024 }' | head -1 > "$res.mem"
        grep -q "^PASS" "$res.out" || echo "warning: $units smp=$smp $kernel rep $rep did not pass (figures may be missing)" >&2
      done
    done
  done
done

{
  echo "# systemd 252 as PID 1: Aramid vs Debian's Linux 6.1 ($(date -u +%F), REPS=$reps, TCG)"
  echo
  echo "Medians in ms (memory in MiB); ratio = Aramid / Linux, below 1 is better."
  echo
  echo "| unit set | CPUs | figure | Aramid | Linux | ratio |"
  echo "|---|---|---|---|---|---|"
  for units in $unit_sets; do
    for smp in $cpus; do
      for fig in kernel user target prompt mem; do
        case $fig in
          kernel) name="systemd: kernel" ;; user) name="systemd: userspace" ;;
          target) name="QEMU start → Reached target" ;;
          prompt) name="QEMU start → prompt" ;; mem) name="memory in use at the prompt" ;;
        esac
        a=$(cat "$tmp/$units-$smp-aramid-"*".$fig" | median)
        l=$(cat "$tmp/$units-$smp-linux-"*".$fig" | median)
        r=$(awk -v a="$a" -v l="$l" 'BEGIN { if (a == "-" || l == "-" || l == 0) print "-"; else printf "%.2f", a / l }')
        echo "| $units | $smp | $name | $a | $l | $r |"
      done
    done
  done
} > "$out"
cat "$out"
