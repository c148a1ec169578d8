"""`minio server DIR [--address :9000] [--console-address ADDR]`, served by moto."""

import os
import signal
import sys

# MinIO answers path-style requests whatever the Host says (virtual-host style
# only with MINIO_DOMAIN); moto would read "minio" in minio.localhost as a bucket.
os.environ["S3_IGNORE_SUBDOMAIN_BUCKETNAME"] = "true"

from moto.server import main  # after the setting, which it reads at import

args = sys.argv[1:]
if not args or args[0] != "server":
    sys.exit(f"stand-in minio: only `minio server DIR` is implemented, not {args}")
port = "9000"
if "--address" in args:
    port = args[args.index("--address") + 1].rpartition(":")[2]
# PID 1 ignores SIGTERM unless it handles it; MinIO stops on it.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(f"stand-in minio (moto): S3 API on :{port}, objects in memory", flush=True)
main(["--host", "0.0.0.0", "--port", port])  # noqa: S104 - the container's own port
