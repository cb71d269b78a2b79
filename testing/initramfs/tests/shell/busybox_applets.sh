#!/bin/busybox sh
# Busybox's applets, each called as "busybox APPLET", on files in /tmp/bb.d.
# (Debian's busybox sh runs its non-built-in applets by executing
# /proc/self/exe and, without procfs, falls back to $PATH, which holds
# coreutils or nothing: hence the wrappers.) Each line printed is checked by
# testing/suites/shell.toml, whose expected lines come from running this
# script with the same busybox on Linux, chrooted into a copy of the
# initramfs without /proc. Nothing printed depends on times, pids, inode
# numbers or sizes of directories.
for a in ls cat cp mv rm ln readlink realpath stat mkdir rmdir touch chmod \
    basename dirname grep sed awk sort uniq wc head tail cut tr paste tac rev \
    nl fold expand unix2dos dos2unix od diff cmp tee hexdump base64 seq expr \
    yes factor tar gzip gunzip zcat bzip2 cpio md5sum sha256sum sha1sum crc32 \
    truncate strings xxd mkfifo dd find xargs env id uname date sleep timeout \
    mktemp usleep sh; do
    eval "$a() { busybox $a \"\$@\"; }"
done
set -e
D=/tmp/bb.d
rm -rf $D
mkdir -p $D/src/sub
cd $D
umask 022

# Files: mkdir, touch, ls, cat, cp, mv, rm, ln, readlink, realpath, rmdir
printf 'one\ntwo\nthree\n' > src/a.txt
touch src/sub/empty
echo "ls: $(ls src | tr '\n' ' ')"
echo "ls -R: $(ls -R src | wc -l)"
cp src/a.txt b.txt
echo "cat: $(cat b.txt | tr '\n' ',')"
cp -r src copy && echo "cp -r: $(ls copy/sub)"
mv b.txt c.txt && echo "mv: $([ -e b.txt ] || echo gone) $(cat c.txt | head -n 1)"
ln -s c.txt sym && ln c.txt hard
echo "ln: $(readlink sym) $(stat -c %h c.txt) $(realpath sym)"
rm hard sym && echo "rm: $(ls | tr '\n' ' ')"
mkdir -p x/y/z && rmdir -p x/y/z && echo "rmdir: $([ -d x ] || echo gone)"
chmod 640 c.txt && echo "chmod: $(stat -c '%a %s %F' c.txt)"
echo "basename: $(basename /a/b/c.txt .txt) dirname: $(dirname /a/b/c.txt)"

# Text: grep, sed, awk, sort, uniq, wc, head, tail, cut, tr, paste, tac, rev,
# nl, fold, expand, unix2dos, diff, cmp, tee, od, hexdump, base64
printf 'pear 3\napple 10\nfig 7\napple 2\n' > fruit
echo "grep: $(grep -c apple fruit) $(grep -v apple fruit | head -n 1) $(grep -E '^(fig|pear)' fruit | wc -l)"
echo "sed: $(sed -e 's/apple/APPLE/g' -e '/fig/d' fruit | tr '\n' ';')"
echo "awk: $(awk '{s[$1]+=$2} END {for (k in s) print k "=" s[k]}' fruit | sort | tr '\n' ' ')"
echo "sort: $(sort -k2 -n fruit | cut -d' ' -f2 | tr '\n' ' ')"
echo "sort -u: $(cut -d' ' -f1 fruit | sort -u | tr '\n' ' ')"
echo "uniq -c: $(cut -d' ' -f1 fruit | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
echo "wc: $(wc -l < fruit) $(wc -w < fruit) $(wc -c < fruit)"
echo "head/tail: $(head -n 2 fruit | tail -n 1)"
echo "tail -c: $(tail -c 3 fruit)"
echo "paste: $(paste -d: src/a.txt src/a.txt | tr '\n' ' ')"
echo "tac: $(tac src/a.txt | tr '\n' ' ')"
echo "rev: $(echo stressed | rev)"
echo "nl: $(nl -ba src/a.txt | tr -s ' \t' ' ' | tr '\n' ';')"
echo "fold: $(echo abcdefgh | fold -w 3 | tr '\n' ' ')"
echo "expand: $(printf 'a\tb\n' | expand -t 4 | od -An -c | tr -s ' ')"
printf 'a\nb\nc\n' > l1; printf 'b\nc\nd\n' > l2
echo "unix2dos: $(unix2dos < l1 | od -An -c | tr -s ' ' | head -n 1) $(unix2dos < l1 | dos2unix | cmp - l1 && echo back)"
echo "diff: $(diff l1 l2 | grep '^[-+][a-z]' | tr '\n' ' ')"
cmp -s l1 l1 && ! cmp -s l1 l2 && echo "cmp: same and different"
echo "tee: $(echo teed | tee t1 t2 >/dev/null; cat t1 t2 | tr '\n' ' ')"
echo "od: $(printf 'AZ' | od -An -tx1 | tr -s ' ')"
echo "hexdump: $(printf 'hi' | hexdump -C | head -n 1)"
echo "base64: $(echo -n busybox | base64) $(echo YnVzeWJveA== | base64 -d)"

# Numbers and tests: seq, expr, test, yes, factor
echo "seq: $(seq 3 3 12 | tr '\n' ' ')"
echo "expr: $(expr 6 \* 7) $(expr length hello) $(expr substr busybox 1 4)"
test -f c.txt && [ -d src ] && [ ! -e nope ] && test 3 -lt 10 && echo "test: ok"
echo "yes: $(yes y | head -n 3 | tr -d '\n')"
echo "factor: $(factor 360)"

# Archives and checksums: tar, gzip, gunzip, zcat, bzip2, cpio, md5sum,
# sha256sum, sha1sum, crc32, truncate, strings, xxd, mkfifo, dd
tar -cf t.tar src && gzip -9 t.tar && echo "gzip: $(ls t.tar*)"
echo "tar -t: $(tar -tzf t.tar.gz | sort | tr '\n' ' ')"
mkdir out && tar -xzf t.tar.gz -C out && cmp out/src/a.txt src/a.txt && echo "tar -x: same"
gunzip t.tar.gz && echo "gunzip: $(ls t.tar*)"
echo "zcat: $(echo zipped | gzip | zcat)"
echo "bzip2: $(echo bzipped | bzip2 | bzip2 -d)"
echo "cpio: $(cd src && find . -name '*.txt' | cpio -o -H newc 2>/dev/null | cpio -it 2>/dev/null)"
echo "md5sum: $(echo -n abc | md5sum)"
echo "sha256sum: $(echo -n abc | sha256sum | cut -c1-16)"
echo "sha1sum: $(echo -n abc | sha1sum | cut -c1-16)"
echo "crc32: $(echo -n abc | crc32)"
echo "truncate: $(truncate -s 5000 tr.bin && stat -c %s tr.bin) $(strings -n 3 fruit | head -n 1)"
echo "xxd: $(printf 'AB' | xxd -p)"
mkfifo ff && (echo through-fifo > ff &) && echo "mkfifo: $(cat ff) $(stat -c %F ff)"
echo "dd: $(dd if=/dev/zero bs=512 count=3 2>/dev/null | wc -c)"

# find and xargs
echo "find: $(find src -type f | sort | tr '\n' ' ')"
echo "find -name: $(find . -name '*.txt' -path './copy/*')"
echo "xargs: $(find src -type f | sort | xargs -n 1 busybox basename | tr '\n' ' ')"
echo "xargs -I: $(printf 'p\nq\n' | xargs -I{} busybox echo '<{}>' | tr '\n' ' ')"

# Processes and system: env, id, uname, date, sleep, timeout, kill,
# usleep, mktemp, stat
echo "env: $(env -i A=1 B=2 busybox env | sort | tr '\n' ' ')"
echo "id: $(id -u) $(id -g)"
echo "uname: $(uname -s)"
echo "date: $(date -u -d @86400 +%Y-%m-%d)"
sleep 0.01 && echo "sleep: ok"
if timeout 1 busybox sleep 5; then echo "timeout: no"; else echo "timeout: $?"; fi
sleep 30 & p=$!; kill $p; if wait $p; then echo "kill: no"; else echo "kill: $?"; fi
echo "usleep: $(usleep 1000 && echo ok)"
f=$(mktemp -p $D) && [ -f "$f" ] && echo "mktemp: ok"

# Shell: pipelines, redirections, subshells, trap
( cd src && echo "subshell: $(pwd)" ); echo "after subshell: $(pwd)"
echo out >r1 2>&1; echo err >&2 2>>r1; cat nope 2>r2 || true
echo "redirect: $(cat r1) $(grep -c 'nope' r2)"
{ echo g1; echo g2; } | { read x; read y; echo "group: $y $x"; }
sh -c 'trap "echo trap: USR1 handled" USR1; kill -USR1 $$; echo "trap: continued"'
trap 'echo "trap: EXIT"' EXIT
cd / && rm -rf $D
echo "bb-script: done"
