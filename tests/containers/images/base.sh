#!/usr/bin/env bash
# Local stand-ins for the base images the Dockerfile and the stand-in service
# images start from, which cannot be pulled here:
#
#   localhost/laurel-standin/debian:bookworm   debootstrap --variant=minbase
#   docker.io/library/python:3.12-slim         that, plus the libraries CPython
#                                              needs and this machine's CPython
#                                              3.12 in /usr/local (pip included)
#
# and a wheelhouse (`pip download` of requirements.txt and moto) that the
# builds mount at /wheelhouse: the python stand-in's /etc/pip.conf says
# no-index + find-links=/wheelhouse, so the Dockerfile's `pip install` works
# offline and the wheels stay out of every image.
#
# Everything lands under $LAUREL_CACHE (/var/cache/laurel) and is made again
# only when its recipe changes (this file, requirements.txt, the moto pin):
# each image carries the recipe's digest as a label. Idempotent, runs as root.
set -euo pipefail
cd "$(dirname "$0")/../../.."
HERE=tests/containers/images
CACHE="${LAUREL_CACHE:-/var/cache/laurel}"
# shellcheck source=/dev/null  # checked on its own
source "$HERE/podman-env.sh"

DEBIAN_IMAGE=localhost/laurel-standin/debian:bookworm
PYTHON_IMAGE=docker.io/library/python:3.12-slim
# What CPython's extension modules link against (the official slim image
# installs the same set), plus what any image here needs.
LIBRARIES=ca-certificates,libssl3,libsqlite3-0,libffi8,libbz2-1.0,liblzma5,libreadline8,libncursesw6,libuuid1,zlib1g,tzdata,netbase

moto_pin="$(grep -i '^moto' requirements-dev.txt)"
recipe="$(sha256sum < "$0" | cut -c1-16)"
wheels_recipe="$( (cat requirements.txt; echo "$moto_pin") | sha256sum | cut -c1-16)"

find_python312() {
  for candidate in ${VC_PYTHON312:-} python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
                   /usr/local/bin/python3.12 /usr/bin/python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      "$candidate" -c 'import sys; print(sys.executable)'; return
    fi
  done
  return 1
}

has_recipe() {
  [ "$(podman image inspect --format '{{ index .Labels "laurel.recipe" }}' "$1" 2>/dev/null)" = "$recipe" ]
}

# --- the wheelhouse -----------------------------------------------------------
WHEELS="$CACHE/wheelhouse"
python="$(find_python312)" || { echo "base.sh: Python 3.12 not found" >&2; exit 1; }
if [ "$(cat "$WHEELS/.recipe" 2>/dev/null)" != "$wheels_recipe" ]; then
  rm -rf "$WHEELS" && mkdir -p "$WHEELS"
  "$python" -m pip download --disable-pip-version-check --only-binary=:all: \
    --dest "$WHEELS" -r requirements.txt "$moto_pin" >"$CACHE/pip-download.log" 2>&1 ||
    { tail -30 "$CACHE/pip-download.log" >&2; exit 1; }
  echo "$wheels_recipe" > "$WHEELS/.recipe"
fi
echo "wheelhouse: $(find "$WHEELS" -name '*.whl' | wc -l) wheels in $WHEELS"

# --- Debian minbase -----------------------------------------------------------
if ! has_recipe "$DEBIAN_IMAGE"; then
  rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include="$LIBRARIES" bookworm "$rootfs" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  chroot "$rootfs" apt-get clean
  # What Debian's own slim images leave out too: documentation and man pages.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  chmod 755 "$rootfs"  # mktemp made it 0700: the image's / for every user
  tar -C "$rootfs" -cf "$CACHE/debian-bookworm.tar" .
  podman import --quiet --change "LABEL laurel.recipe=$recipe" --change 'CMD ["bash"]' \
    "$CACHE/debian-bookworm.tar" "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs" "$CACHE/debian-bookworm.tar"
  trap - EXIT
fi
echo "$DEBIAN_IMAGE: $(podman image inspect --format '{{.Size}}' "$DEBIAN_IMAGE") bytes"

# --- python:3.12-slim -----------------------------------------------------------
if ! has_recipe "$PYTHON_IMAGE"; then
  prefix="$("$python" -c 'import sys; print(sys.base_prefix)')"
  rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  container="$(buildah from --quiet "$DEBIAN_IMAGE")"
  tar -C "$(buildah mount "$container")" -cf - . | tar -C "$rootfs" -xf -
  buildah rm "$container" >/dev/null
  # CPython's own files only: the standard library without its tests, site
  # packages or tkinter, pip from ensurepip, like the official slim image.
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib"
  cp -a "$prefix/bin/python3.12" "$rootfs/usr/local/bin/"
  cp -a "$prefix"/lib/libpython3*.so* "$rootfs/usr/local/lib/"
  tar -C "$prefix/lib" --exclude=python3.12/test --exclude=python3.12/idlelib \
    --exclude=python3.12/tkinter --exclude='python3.12/lib-dynload/_tkinter*' \
    --exclude='python3.12/site-packages/*' --exclude='__pycache__' \
    --exclude='python3.12/config-3.12-*' -cf - python3.12 | tar -C "$rootfs/usr/local/lib" -xf -
  ln -s python3.12 "$rootfs/usr/local/bin/python3"
  ln -s python3.12 "$rootfs/usr/local/bin/python"
  chroot "$rootfs" /sbin/ldconfig
  PIP_ROOT_USER_ACTION=ignore chroot "$rootfs" /usr/local/bin/python3.12 -m ensurepip --default-pip >/dev/null
  chroot "$rootfs" /usr/local/bin/python3.12 -c 'import ssl, sqlite3, ctypes, lzma, bz2, zlib, uuid, readline'
  ln -sf pip3 "$rootfs/usr/local/bin/pip"
  find "$rootfs/usr/local" -name __pycache__ -prune -exec rm -rf {} +
  chmod 755 "$rootfs"
  printf '[global]\nno-index = true\nfind-links = /wheelhouse\n' > "$rootfs/etc/pip.conf"
  tar -C "$rootfs" -cf "$CACHE/python-slim.tar" .
  podman import --quiet --change "LABEL laurel.recipe=$recipe" \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
    "$CACHE/python-slim.tar" "$PYTHON_IMAGE" >/dev/null
  rm -rf "$rootfs" "$CACHE/python-slim.tar"
  trap - EXIT
fi
podman image prune --force >/dev/null  # the images these replaced
echo "$PYTHON_IMAGE: $(podman run --rm "$PYTHON_IMAGE" python --version)," \
  "$(podman image inspect --format '{{.Size}}' "$PYTHON_IMAGE") bytes"
