#!/opt/mc/bin/python
"""`mc alias set` and `mc mb`, enough of MinIO's client for docker-compose.yml."""

import json
import os
import sys
from pathlib import Path

import boto3
import botocore.exceptions

CONFIG = Path(os.environ.get("MC_CONFIG_DIR", Path.home() / ".mc")) / "config.json"


def client(alias: str):
    entry = json.loads(CONFIG.read_text())["aliases"][alias]
    return boto3.client(
        "s3",
        endpoint_url=entry["url"],
        aws_access_key_id=entry["accessKey"],
        aws_secret_access_key=entry["secretKey"],
        region_name="us-east-1",
    )


def alias_set(name: str, url: str, access: str, secret: str) -> None:
    CONFIG.parent.mkdir(parents=True, exist_ok=True)
    config = json.loads(CONFIG.read_text()) if CONFIG.exists() else {"aliases": {}}
    config["aliases"][name] = {"url": url, "accessKey": access, "secretKey": secret}
    CONFIG.write_text(json.dumps(config))
    try:
        client(name).list_buckets()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        sys.exit(f"mc: <ERROR> Unable to initialize new alias from the provided credentials. {exc}")
    print(f"Added `{name}` successfully.")


def make_bucket(target: str, ignore_existing: bool) -> None:
    alias, _, bucket = target.partition("/")
    try:
        client(alias).create_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as exc:
        code = exc.response["Error"]["Code"]
        if not (ignore_existing and code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")):
            sys.exit(f"mc: <ERROR> Unable to make bucket `{target}`. {exc}")
    print(f"Bucket created successfully `{target}`.")


args = sys.argv[1:]
if args[:2] == ["alias", "set"] and len(args) == 6:
    alias_set(*args[2:])
elif args[:1] == ["mb"]:
    names = [a for a in args[1:] if not a.startswith("-")]
    make_bucket(names[0], "--ignore-existing" in args or "-p" in args)
else:
    sys.exit(f"stand-in mc: `mc {' '.join(args)}` is not implemented")
