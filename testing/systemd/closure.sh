#!/usr/bin/env bash
# Usage: closure.sh ROOT: prints each shared library that an ELF file of
# ROOT names (DT_NEEDED) and that ROOT does not have (glibc's gconv
# modules load their helpers from their own directory and are skipped).
root=$1
find "$root" -path "*/gconv" -prune -o -type f \( -perm -u+x -o -name "*.so*" \) -print | while read -r f; do
  readelf -d "$f" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | while read -r lib; do
    found=
    for d in usr/lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/systemd usr/lib64 usr/lib; do
      [ -e "$root/$d/$lib" ] && { found=1; break; }
    done
    [ -n "$found" ] || echo "$lib (needed by ${f#$root/})"
  done
done | sort -u
