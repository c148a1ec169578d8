#!/usr/bin/env bash
# Tools and base images for the image tests (tests/containers/test_image*.py,
# test_compose_up.py): from Debian buildah, podman, runc (crun fails on this
# kind of machine), netavark and aardvark-dns (container networks with DNS
# names), iptables and debootstrap; podman-compose comes from PyPI through
# 30-containers.sh. Then tests/containers/images/base.sh assembles the
# stand-in base images and the wheelhouse, cached under /var/cache/laurel and
# made again only when their recipe changes. The app's image itself is built
# by the tests, once per run. Idempotent, runs as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(buildah podman runc netavark aardvark-dns iptables debootstrap)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "$(podman --version), $(buildah --version | cut -d' ' -f1-3), $(runc --version | head -1)"
started=$SECONDS
bash tests/containers/images/base.sh
echo "base images ready in $((SECONDS - started)) s"
