"""Peak memory of parallel background confirms of a 40-megapixel PNG.

    .venv/bin/python bench/image_memory.py [--parallel 8]

Each scenario runs in a fresh process: a migrated SQLite database, local
storage, one signed-in organizer per thread, and `--parallel` uploads of an
8000x5000 PNG (about 40 KB, 40 megapixels) that are confirmed at the same
moment through the real route (POST /events/<id>/design/background), as the
designer page does after its direct upload. Peak RSS is read from the kernel
(ru_maxrss) before and after.

Scenarios, same run:
- `one`: a single confirm (the floor);
- `bounded`: `--parallel` confirms with the shipped limits (reduced-size decode,
  LARGE_DECODE_SLOTS at a time);
- `unbounded`: the baseline, the same confirms with every decode at once and at
  full size, as before the limits.

Prints the growth of each and the ratios; writes bench/results/image_memory.json.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from support import EMAIL, PASSWORD, ROOT, migrated_app, signed_in_client

RESULTS = ROOT / "bench" / "results" / "image_memory.json"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_png() -> bytes:
    """Made in the parent: building it in a child would count towards its peak."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8000, 5000), (240, 236, 226)).save(buffer, "PNG")
    return buffer.getvalue()


def child(parallel: int, unbounded: bool, image: Path) -> dict[str, float]:
    import threading as th

    from app.certificates.rendering import background
    from tests.databases import sqlite_url

    if unbounded:  # every decode at once and at full size, as before the limits
        background._large_decodes = th.BoundedSemaphore(parallel)
        background._reduce = lambda image: image

    with tempfile.TemporaryDirectory() as folder:
        app = migrated_app(sqlite_url(Path(folder) / "bench.sqlite"), Path(folder))
        from app.auth.accounts import create_organizer
        from app.database import utcnow
        from app.extensions import db
        from app.models import Event
        from app.storage import get_storage

        data = image.read_bytes()
        with app.app_context():
            owner = create_organizer(EMAIL, PASSWORD)
            event = Event(
                owner_id=owner.id,
                title="Bench",
                timezone="UTC",
                starts_at=utcnow(),
                ends_at=utcnow().replace(year=utcnow().year + 1),
            )
            db.session.add(event)
            db.session.commit()
            event_id = event.id
            keys = [f"uploads/event-{event_id}/{n:024x}" for n in range(parallel)]
            for key in keys:
                get_storage().put(key, data, "application/octet-stream")

        clients = [signed_in_client(app) for _ in range(parallel)]
        before = peak_mb()
        statuses: list[int] = []
        barrier = threading.Barrier(parallel)

        def confirm(client, key: str) -> None:
            barrier.wait()
            response = client.post(f"/events/{event_id}/design/background", data={"key": key})
            statuses.append(response.status_code)

        started = time.perf_counter()
        threads = [
            threading.Thread(target=confirm, args=(c, k))
            for c, k in zip(clients, keys, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        assert statuses == [302] * parallel, statuses
        with app.app_context():
            db.engine.dispose()
    after = peak_mb()
    return {
        "peak_before_mb": round(before, 1),
        "peak_after_mb": round(after, 1),
        "growth_mb": round(after - before, 1),
        "seconds": round(seconds, 2),
    }


def run(parallel: int, unbounded: bool, image: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(parallel), "--image", str(image)]
    if unbounded:
        command.append("--unbounded")
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--unbounded", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--image", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.unbounded, args.image)))
        return

    from app.certificates.rendering import background

    with tempfile.TemporaryDirectory() as folder:
        image = Path(folder) / "big.png"
        image.write_bytes(big_png())
        result = {
            "image": f"8000x5000 PNG, RGB, {image.stat().st_size // 1024} KB",
            "parallel": args.parallel,
            "large_decode_slots": background.LARGE_DECODE_SLOTS,
            "one": run(1, False, image),
            "bounded": run(args.parallel, False, image),
            "unbounded": run(args.parallel, True, image),
        }
    result["bounded_vs_unbounded_growth"] = round(
        result["bounded"]["growth_mb"] / max(result["unbounded"]["growth_mb"], 1), 2
    )
    result["bounded_vs_one_growth"] = round(
        result["bounded"]["growth_mb"] / max(result["one"]["growth_mb"], 1), 2
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
