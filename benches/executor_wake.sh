#!/usr/bin/env bash
# Cross-CPU wake-to-run latency through a reschedule IPI, on Aramid under
# QEMU (4 CPUs): CPU 0 notifies an event that a task pinned to CPU 1 (halted,
# idle) waits on; 2,000 wakes; prints p50/p99/max. A figure, not a test.
# Usage: benches/executor_wake.sh [runs] (after `make kernel initramfs`).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
for _ in $(seq "$runs"); do
  target/release/aramid-runner run --kernel build/aramid.elf --initrd build/initramfs.cpio \
    --smp 4 --append "aramid.test=bench_wake log=warn,aramid::selftest=info" 2>/dev/null \
    | grep -o "bench: cross_cpu_wake.*wakes of an idle CPU)" || true
done
