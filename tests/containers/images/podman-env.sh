# shellcheck shell=bash
# Sourced by base.sh and .ci/setup/40-images.sh: podman, buildah and
# podman-compose read these two files, so every caller (tests included, see
# tests/containers/podman.py) uses one image store under $LAUREL_CACHE.
LAUREL_CACHE="${LAUREL_CACHE:-/var/cache/laurel}"
mkdir -p "$LAUREL_CACHE"
export CONTAINERS_CONF
CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf"
export CONTAINERS_STORAGE_CONF="$LAUREL_CACHE/storage.conf"
# overlay where the kernel has it (a container starts in under a second),
# else vfs, which copies the whole image for every container (15 s here).
driver=vfs
grep -qw overlay /proc/filesystems 2>/dev/null && driver=overlay
storage_conf="$(printf '[storage]\ndriver = "%s"\ngraphroot = "%s/storage-%s"\nrunroot = "/run/laurel-containers-%s"\n' \
  "$driver" "$LAUREL_CACHE" "$driver" "$driver")"
[ "$(cat "$CONTAINERS_STORAGE_CONF" 2>/dev/null)" = "$storage_conf" ] ||
  printf '%s\n' "$storage_conf" > "$CONTAINERS_STORAGE_CONF"
export BUILDAH_ISOLATION=chroot
