#!/usr/bin/env bash
# Downloads the pinned Debian packages of packages.txt (cached in
# build/debs/) and extracts them into build/debian-root with merged /usr
# (bin, lib, lib64, sbin are links into usr/, as on Debian 12): each data
# tarball is unpacked with --keep-directory-symlink so the links survive
# (`dpkg -x` would replace them with directories).
set -euo pipefail
cd "$(dirname "$0")/../.."
debs=build/debs
root=build/debian-root
mkdir -p "$debs"
while read -r spec; do
  case "$spec" in ''|'#'*) continue ;; esac
  name=${spec%%=*}
  if ! ls "$debs/${name}_"*.deb >/dev/null 2>&1; then
    echo "==> apt-get download $spec"
    (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null) || {
      apt-get update -qq && (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null)
    }
  fi
done < testing/debian/packages.txt
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/usr/lib64" "$root/usr/sbin"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$root/$d"; done
for deb in "$debs"/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"
done
# Only what the tests need: drop documentation and locales.
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/locale" "$root/usr/share/lintian"
echo "==> $root: $(du -sh "$root" | cut -f1)"
