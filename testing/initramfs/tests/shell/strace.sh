#!/bin/bash
# Debian's strace (bookworm, 6.1) tracing programs, as PID 1 with no init
# scripts: a syscall filter (exit_group, write, openat with an ENOENT
# answer), -f following bash's child through fork and execve, a signal
# shown with its siginfo and the tracee killed by it, and fault injection
# (-e inject: the syscall skipped at entry, its result set at exit). Each
# log line is tagged with its step; PIDs and runs of spaces (strace aligns
# results after a PID-wide prefix) are normalised. The expected lines in
# testing/suites/shell.toml are what the host's Linux printed.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
bb=${BB:-/bin/busybox}
if [ "$$" = 1 ]; then
  $bb mkdir -p /proc /tmp
  $bb mount -t proc proc /proc
fi
# Runs a command, prefixing each output line with TAG, then its status.
show() {
  local tag=$1; shift
  "$@" 2>&1 | $bb sed "s/^/$tag| /"
  echo "$tag status: ${PIPESTATUS[0]}"
}
# Shows strace's log for TAG.
log() {
  local tag=$1
  $bb sed -e 's/^[0-9][0-9]* /PID /' -e 's/si_pid=[0-9]*/si_pid=N/' -e 's/  */ /g' "/tmp/$tag.log" | $bb sed "s/^/$tag| /"
}
show true strace -o /tmp/true.log -e trace=exit_group /bin/true
log true
show echo strace -o /tmp/echo.log -e trace=write $bb echo hi
log echo
show enoent strace -o /tmp/enoent.log -e trace=openat $bb cat /nonexistent
log enoent
show fork strace -f -qq -o /tmp/fork.log -e trace=exit_group -e signal=none bash -c '/bin/true; exit 3'
log fork
show sig strace -o /tmp/sig.log -e trace=none bash -c 'kill -USR1 $$'
log sig
show inj strace -o /tmp/inj.log -e trace=getpid -e inject=getpid:retval=42 bash -c 'echo $BASHPID'
log inj
echo "done"
