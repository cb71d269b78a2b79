#!/usr/bin/env bash
# Usage: fetch.sh [LIST [ROOT]] (default: testing/debian/packages.txt into
# build/debian-root).
# Downloads the pinned Debian packages of LIST (name=version lines; cached in
# build/debs/) and extracts them into ROOT with merged /usr (bin, lib, lib64,
# sbin are links into usr/, as on Debian 12): each data tarball is unpacked
# with --keep-directory-symlink so the links survive (`dpkg -x` would replace
# them with directories). Maintainer scripts are not run.
# When a pinned version has left Debian's archive, the current version is
# fetched instead, with a warning.
set -euo pipefail
cd "$(dirname "$0")/../.."
list=${1:-testing/debian/packages.txt}
root=${2:-build/debian-root}
debs=build/debs
mkdir -p "$debs"
updated=
download() { (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$1" >/dev/null 2>&1); }
wanted=()
while read -r spec; do
  case "$spec" in ''|'#'*) continue ;; esac
  name=${spec%%=*}
  version=${spec#*=}
  # apt's file names write the epoch's colon as %3a
  file="$debs/${name}_${version//:/%3a}_amd64.deb"
  [ -f "$file" ] || file="$debs/${name}_${version//:/%3a}_all.deb"
  if [ ! -f "$file" ]; then
    echo "==> apt-get download $spec"
    if ! download "$spec"; then
      [ -n "$updated" ] || { apt-get update -qq || true; updated=1; }
      if ! download "$spec"; then
        echo "warning: $spec is no longer in Debian's archive; fetching the current $name" >&2
        download "$name" || { echo "error: cannot download $name" >&2; exit 1; }
      fi
    fi
    file=$(ls -t "$debs/${name}_"*.deb | head -1)
  fi
  wanted+=("$file")
done < "$list"
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/usr/lib64" "$root/usr/sbin"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$root/$d"; done
for deb in "${wanted[@]}"; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"
done
# Only what the programs need: drop documentation and locales.
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/locale" "$root/usr/share/lintian"
echo "==> $root: $(du -sh "$root" | cut -f1)"
