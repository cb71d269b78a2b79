#!/usr/bin/env bash
# Usage: build.sh UNITS (minimal | standard) OUT.cpio
# Builds the systemd image: Debian 12's systemd 252, D-Bus, util-linux,
# login with PAM, bash, coreutils and busybox (packages.txt, pinned), unpacked
# with merged /usr by testing/debian/fetch.sh; then what Debian's maintainer
# scripts would have done (users and groups from sysusers.d, PAM's common-*
# files, enabled units), the fixed configuration in etc/, one of the two unit
# sets of units/, and the masks of masks.txt. The same image boots under
# Debian's Linux (rdinit=/lib/systemd/systemd) for the comparison.
set -euo pipefail
cd "$(dirname "$0")/../.."
units=${1:?usage: build.sh minimal|standard OUT.cpio}
out=${2:?usage: build.sh minimal|standard OUT.cpio}
here=testing/systemd
base=build/systemd-base
root=build/systemd-root-$units
[ -d "$here/units/$units" ] || { echo "error: no unit set '$units' (minimal, standard)" >&2; exit 2; }

# The packages, once for both unit sets.
if [ ! -f "$base.stamp" ] || [ "$here/packages.txt" -nt "$base.stamp" ] || [ "testing/debian/fetch.sh" -nt "$base.stamp" ]; then
  bash testing/debian/fetch.sh "$here/packages.txt" "$base"
  # Every shared library a program or module names must be in the image.
  missing=$(bash "$here/closure.sh" "$base")
  [ -z "$missing" ] || { echo "error: libraries missing from the image:" >&2; echo "$missing" >&2; exit 1; }
  touch "$base.stamp"
fi

rm -rf "$root"
cp -a "$base" "$root"
# Ours replace base-files' (os-release is a link into /usr/lib there).
rm -f "$root/etc/os-release" "$root/etc/issue" "$root/etc/issue.net"
cp -a "$here/etc/." "$root/etc/"
chmod 640 "$root/etc/shadow" "$root/etc/gshadow"
mkdir -p "$root/run" "$root/tmp" "$root/root" "$root/var/log/journal" "$root/var/lib" "$root/var/tmp" \
  "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
rm -rf "$root/var/run" "$root/var/lock"
ln -s ../run "$root/var/run"
ln -s ../run/lock "$root/var/lock"
ln -sfn /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
ln -sfn /proc/self/mounts "$root/etc/mtab"
# base-files' postinst: /etc/profile, /etc/motd, root's dot files.
cp "$root/usr/share/base-files/profile" "$root/etc/profile"
cp "$root/usr/share/base-files/motd" "$root/etc/motd"
cp "$root/usr/share/base-files/dot.bashrc" "$root/root/.bashrc"
cp "$root/usr/share/base-files/dot.profile" "$root/root/.profile"
# dbus's postinst: D-Bus reads the machine id from /var/lib/dbus too.
mkdir -p "$root/var/lib/dbus"
ln -sfn /etc/machine-id "$root/var/lib/dbus/machine-id"
# libpam-runtime's postinst (pam-auth-update): the common-* files from its
# templates, with pam_unix as the one primary module (nullok: root has no
# password in etc/shadow).
for f in auth account password session session-noninteractive; do
  sed -e 's/^\$auth_primary$/auth\t[success=1 default=ignore]\tpam_unix.so nullok/' \
      -e 's/^\$account_primary$/account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so/' \
      -e 's/^\$password_primary$/password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt/' \
      -e 's/^\$session_primary$/session\t[default=1]\t\t\tpam_permit.so/' \
      -e '/^\$/d' "$root/usr/share/pam/common-$f" > "$root/etc/pam.d/common-$f"
done
# The system users and groups the units name (systemd's and dbus's
# sysusers.d), appended to etc/passwd and etc/group by systemd-sysusers
# itself, run from the image.
lib="$root/usr/lib/x86_64-linux-gnu"
LD_LIBRARY_PATH="$lib/systemd:$lib" "$root/usr/bin/systemd-sysusers" --root="$root" 2>&1 | { grep -v '^Creating' || true; }
# udev's postinst: the groups its rules name.
printf 'g kvm - -\ng input - -\ng render - -\ng sgx - -\n' |
  LD_LIBRARY_PATH="$lib/systemd:$lib" "$root/usr/bin/systemd-sysusers" --root="$root" - 2>&1 | { grep -v '^Creating' || true; }
# systemd's postinst enables these (systemctl enable).
run_systemctl() { LD_LIBRARY_PATH="$lib/systemd:$lib" "$root/usr/bin/systemctl" --root="$root" --quiet "$@"; }
run_systemctl enable getty@.service remote-fs.target
# The unit set.
cp -a "$here/units/$units/." "$root/etc/systemd/system/"
# Masks: each line of masks.txt is a unit and the reason it cannot run here.
while read -r unit reason; do
  case "$unit" in ''|'#'*) continue ;; esac
  ln -sfn /dev/null "$root/etc/systemd/system/$unit"
done < "$here/masks.txt"
target/release/aramid-runner cpio --out "$out" --dir "$root" --char dev/console=5:1
echo "==> $out ($units): $(du -sh "$out" | cut -f1)"
