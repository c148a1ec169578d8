#!/usr/bin/env bash
# podman, for podman-compose (its --podman-path) on Debian bookworm's podman
# 4.3: the same command without the `--requires=` that podman-compose adds
# when it creates a service's container. podman 4.3 refuses to start a
# container whose dependency has dependencies of its own ("not found in
# input list"), and would start exited one-shot dependencies (migrate,
# createbucket) again. podman-compose itself waits for each depends_on
# condition before it starts a container, so the file's order still holds.
args=()
for arg in "$@"; do
  case "$arg" in
    --requires=*) ;;
    *) args+=("$arg") ;;
  esac
done
exec podman "${args[@]}"
