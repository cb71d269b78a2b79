#!/bin/bash
# Debian's dynamically linked bash through ld-linux and libc.so.6: fork and
# exec, pipes, redirections to files, subshells, here-documents, traps and
# exit statuses. Each line printed is checked by testing/suites/shell.toml.
set -u
echo "bash: $BASH_VERSION"
echo "pipe: $(printf 'b\na\nc\n' | /bin/busybox sort | /bin/busybox tr '\n' ' ')"
cd /tmp && echo "cwd: $(pwd)"
echo "one" > /tmp/f && echo "two" >> /tmp/f
echo "file: $(/bin/busybox wc -l < /tmp/f) lines, first $(/bin/busybox head -n1 /tmp/f)"
mkdir -p /tmp/d/e && touch /tmp/d/e/x && echo "find: $(/bin/busybox find /tmp/d -type f)"
( exit 7 ); echo "subshell status: $?"
/bin/busybox false; echo "false status: $?"
x=$( { echo inner; } ); echo "group: $x"
cat <<EOT | /bin/busybox tr a-z A-Z
heredoc
EOT
trap 'echo "trap: EXIT"' EXIT
f() { local v=$1; echo "function: $((v * 6))"; }
f 7
for i in 1 2 3; do printf '%s' "$i"; done; echo " loop"
ls /tests/shell | /bin/busybox grep -c bash_basics | { read n; echo "ls|grep: $n"; }
ln -s /tmp/f /tmp/link && echo "readlink: $(/bin/busybox readlink /tmp/link)"
mv /tmp/f /tmp/g && echo "mv: $(cat /tmp/g | head -n 1), link dangling: $([ -e /tmp/link ] || echo yes)"
rm -r /tmp/d && [ ! -e /tmp/d ] && echo "rm: gone"
echo "stat: $(stat -c '%s %F' /tmp/g)"
echo "ls -l: $(ls -l /tmp/g | cut -c1-10)"
echo "date: $(date -u -d @0 +%Y-%m-%d)"
echo "sort -n: $(printf '10\n9\n100\n' | sort -n | tr '\n' ' ')"
mkdir /tmp/m && /bin/busybox mount -t tmpfs none /tmp/m && echo x > /tmp/m/f && /bin/busybox umount /tmp/m && [ ! -e /tmp/m/f ] && echo "mount: tmpfs mounted and gone"
B=/bin/busybox
cd /tmp && printf 'x 1\ny 2\nx 3\n' > t.txt
echo "awk: $($B awk '$1=="x" {s+=$2} END {print s}' t.txt)"
echo "sed: $($B sed -n 's/y/Y/p' t.txt)"
echo "uniq: $(cut -d' ' -f1 t.txt | sort | $B uniq -c | tr -s ' ' | tr '\n' ';')"
echo "xargs: $(printf 'a b c' | $B xargs -n1 echo | $B tail -n1)"
$B tar -cf t.tar t.txt && $B gzip -9 t.tar && rm t.txt && $B tar -xzf t.tar.gz && echo "tar+gzip: $(wc -l < t.txt) lines back"
cp t.txt t2.txt && $B cmp t.txt t2.txt && echo "cp: identical"
echo "done"
