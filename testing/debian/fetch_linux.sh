#!/usr/bin/env bash
# Downloads Debian's pinned kernel (testing/debian/linux.txt, cached in
# build/debs-linux/) and leaves in build/linux/ its bzImage (vmlinuz) and
# the uncompressed vmlinux inside it (found by the XZ magic, as Linux's
# scripts/extract-vmlinux does), which QEMU boots through its PVH note
# without spending seconds of TCG time on decompression.
set -euo pipefail
cd "$(dirname "$0")/../.."
spec=$(grep -v '^#' testing/debian/linux.txt | grep . | head -1)
name=${spec%%=*}
debs=build/debs-linux
out=build/linux
mkdir -p "$debs" "$out"
if ! ls "$debs/${name}_"*.deb >/dev/null 2>&1; then
  echo "==> apt-get download $spec"
  (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null) || {
    apt-get update -qq && (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$spec" >/dev/null)
  }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$debs/${name}_"*.deb | tar -x -C "$tmp" ./boot
cp "$tmp"/boot/vmlinuz-* "$out/vmlinuz"
offset=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$out/vmlinuz" | head -1 | cut -d: -f1)
[ -n "$offset" ] || { echo "fetch_linux: no XZ payload in the bzImage" >&2; exit 1; }
# xz stops at the end of its stream and complains about the trailing data.
tail -c +$((offset + 1)) "$out/vmlinuz" | xz -dc > "$out/vmlinux" 2>/dev/null || true
head -c 4 "$out/vmlinux" | grep -q ELF || { echo "fetch_linux: extracting vmlinux failed" >&2; exit 1; }
echo "==> $out: vmlinuz $(du -h "$out/vmlinuz" | cut -f1), vmlinux $(du -h "$out/vmlinux" | cut -f1)"
