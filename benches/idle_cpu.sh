#!/usr/bin/env bash
# Host CPU used by QEMU while Aramid idles: boots build/aramid.elf with
# `aramid.test=hang` (every CPU's executor has nothing to do and halts) and
# reads QEMU's user+system time from /proc over a 10 s window.
# A figure, not a test. Usage: benches/idle_cpu.sh [SMP] (after `make kernel initramfs`).
set -euo pipefail
cd "$(dirname "$0")/.."
smp=${1:-4}
log=$(mktemp)
qemu-system-x86_64 -kernel build/aramid.elf -initrd build/initramfs.cpio \
  -append "console=ttyS0 aramid.test=hang" -smp "$smp" -m 1G -display none \
  -serial "file:$log" -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -accel tcg -cpu max &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "hanging on purpose" "$log" && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks); sleep 10; t1=$(ticks)
hz=$(getconf CLK_TCK)
echo "idle_cpu smp=$smp accel=tcg qemu_cpu_percent=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) * 100 / (10 * hz) }')"
