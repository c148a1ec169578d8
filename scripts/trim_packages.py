"""Delete what the Vercel function never loads from an installed environment.

Vercel runs this as the project's build command (vercel.json), after it has
installed requirements.txt and before it packs the function. Each group below
says why the function never reads it; together they take the function from
162.4 MB to 97.8 MB unzipped (README, *Performance*):

- Babel's CLDR data of the locales no event language loads, botocore's API
  models of every service but S3 and the credential providers' (data files);
- pip, gunicorn and lxml, whole: the builder installs with uv, Vercel serves
  with its own runtime, and no code the app runs needs lxml (fontTools and
  pyHanko fall back to the standard library's ElementTree, or use it only to
  validate and edit XMP, which Laurel never does);
- the C, Cython and header sources the extension modules were compiled from;
- the compiled accelerators of fontTools and of aiohttp's stack, whose
  pure-Python twins ship beside them and run instead: pyHanko imports aiohttp
  for timestamping, which Laurel never calls, and of fontTools' fpdf2's
  subsetting imports two (curves, IUP) and renders as fast without them;
- Pillow's AVIF codec: Laurel accepts PNG, JPEG and WebP uploads only;
- and every shared object is stripped of its debug data and static symbol
  table (`strip --strip-unneeded`), which the loader never maps.

@vercel/python packs a distribution's files from its RECORD and skips the ones
that are missing; RECORD is rewritten here to match what is left. What the app
does is fingerprinted before and after, in fresh interpreters
(scripts/trim_check.py: dates, S3 links, certificates rendered and signed, the
database, every import); a difference fails the build. Run by hand:

    python scripts/trim_packages.py [--dry-run]
"""

from __future__ import annotations

import argparse
import base64
import difflib
import functools
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The S3 client's model, and the services botocore's credential providers call
# (STS for web-identity roles such as Vercel's OIDC federation, SSO for profiles).
BOTOCORE_SERVICES = frozenset({"s3", "sts", "sso", "sso-oidc"})
# Distributions the function never imports (see the module docstring).
UNUSED_DISTRIBUTIONS = frozenset({"pip", "gunicorn", "lxml"})
# Packages whose extension modules have pure-Python twins the function can run instead.
ACCELERATED = frozenset({"fontTools", "aiohttp", "multidict", "frozenlist", "propcache", "yarl"})
BUILD_SOURCES = frozenset({".c", ".cpp", ".h", ".pyx", ".pxd", ".pxi"})


@functools.cache
def installed() -> list[tuple[metadata.Distribution, Path]]:
    """Each distribution on sys.path and each file its RECORD lists, as a path
    (read once, before anything is deleted)."""
    seen = set()
    files = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"].lower()
        if name in seen or dist.files is None:
            continue
        seen.add(name)
        files += [(dist, Path(dist.locate_file(file)).resolve()) for file in dist.files]
    return files


def package_files(package: str) -> list[Path]:
    """The files under an importable package's folder."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(spec.submodule_search_locations[0]).resolve()
    return [path for _dist, path in installed() if folder in path.parents]


def babel_locales_used() -> set[str]:
    """Every locale file Babel loads for the event languages, parents included."""
    from babel import localedata

    from app.events.languages import LANGUAGES
    from scripts.trim_check import dates_of

    loaded: set[str] = set()
    load = localedata.load

    def recording(name, merge_inherited=True):
        loaded.add(os.path.basename(name))
        return load(name, merge_inherited)

    localedata.load = recording  # parents are loaded through the module attribute
    try:
        for code, _name in LANGUAGES:
            dates_of(code)  # formatting loads the locale and its parents
    finally:
        localedata.load = load
    return loaded


def unused_locales() -> list[Path]:
    """Babel's CLDR data of locales no event language loads."""
    import babel

    keep = babel_locales_used()
    locale_data = Path(babel.__file__).parent / "locale-data"
    return [p for p in locale_data.glob("*.dat") if p.stem not in keep]


def unused_service_models() -> list[Path]:
    """botocore's models of the AWS services Laurel never calls."""
    import botocore

    data = Path(botocore.__file__).parent / "data"
    return [
        p
        for service in data.iterdir()
        if service.is_dir() and service.name not in BOTOCORE_SERVICES
        for p in service.rglob("*")
        if p.is_file() and p.suffix != ".py"
    ]


def unused_distributions() -> list[Path]:
    """pip, gunicorn and lxml, every file of them."""
    return [
        path for dist, path in installed() if dist.metadata["Name"].lower() in UNUSED_DISTRIBUTIONS
    ]


def build_sources() -> list[Path]:
    """C, C++, Cython and header files, read by compilers only."""
    return [path for _dist, path in installed() if path.suffix in BUILD_SOURCES]


def accelerators() -> list[Path]:
    """Extension modules of fontTools and aiohttp's stack (pure-Python twins run instead)."""
    return [
        path
        for package in sorted(ACCELERATED)
        for path in package_files(package)
        if path.suffix == ".so"
    ]


def avif_codec() -> list[Path]:
    """Pillow's AVIF plugin's codec and the library only it links."""
    import PIL

    folder = Path(PIL.__file__).parent
    return [*folder.glob("_avif.*.so"), *folder.parent.glob("pillow.libs/libavif-*")]


GROUPS = (
    unused_locales,
    unused_service_models,
    unused_distributions,
    build_sources,
    accelerators,
    avif_codec,
)


def shared_objects() -> list[Path]:
    return sorted({p for _dist, p in installed() if ".so" in p.suffixes and p.is_file()})


def strip(paths: list[Path], strip_tool: str) -> list[Path]:
    """Strip each shared object; the ones that changed. The stripped copy replaces
    the file under a new inode: this process has some of them mapped."""
    changed = []
    for path in paths:
        stripped = path.with_name(path.name + ".stripped")
        subprocess.run([strip_tool, "--strip-unneeded", "-o", stripped, path], check=True)  # noqa: S603
        if stripped.read_bytes() == path.read_bytes():
            stripped.unlink()
            continue
        shutil.copymode(path, stripped)
        os.replace(stripped, path)
        changed.append(path)
    return changed


def record_line(path: Path, name: str) -> str:
    data = path.read_bytes()
    hashed = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={hashed},{len(data)}"


def rewrite_records(
    listing: list[tuple[metadata.Distribution, Path]], deleted: set[Path], changed: set[Path]
) -> None:
    """Each RECORD without the deleted files and with the changed files' new digests."""
    for dist in {d for d, p in listing if p in deleted or p in changed}:
        listed = [f for f in dist.files or () if f.name == "RECORD"]
        record = Path(dist.locate_file(listed[0])) if listed else None
        if record is None or not record.is_file():
            continue  # none, or the whole distribution went
        lines = []
        for line in record.read_text().splitlines():
            name = line.rsplit(",", 2)[0]
            path = Path(dist.locate_file(name)).resolve()
            if path in deleted:
                continue
            lines.append(record_line(path, name) if path in changed else line)
        record.write_text("\n".join(lines) + "\n")


def size(paths) -> float:
    return sum(p.stat().st_size for p in paths) / 2**20


def main() -> int:
    from scripts.trim_check import in_fresh_interpreter, signing_key_pem

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    args = parser.parse_args()
    deleted: set[Path] = set()
    for group in GROUPS:
        files = sorted(set(group()) - deleted)
        files = [p for p in files if p.is_file()]
        print(f"trim_packages: {size(files):5.1f} MB in {len(files):5} files: {group.__doc__}")
        deleted.update(files)
    print(f"trim_packages: {size(deleted):.1f} MB in {len(deleted)} files the function never reads")
    strip_tool = shutil.which("strip")
    objects = [p for p in shared_objects() if p not in deleted]
    if args.dry_run:
        return 0
    pem = signing_key_pem()
    before = in_fresh_interpreter(pem)
    shrunk = size(objects)
    for path in deleted:
        path.unlink()
    for folder in sorted({p.parent for p in deleted}, key=lambda p: -len(p.parts)):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    changed = strip(objects, strip_tool) if strip_tool else []
    rewrite_records(installed(), deleted, set(changed))
    if strip_tool:
        shrunk -= size(objects)
        print(
            f"trim_packages: {shrunk:.1f} MB of debug data and symbols stripped "
            f"from {len(changed)} shared objects"
        )
    else:
        print("trim_packages: no `strip` on this machine; shared objects left as installed")
    after = in_fresh_interpreter(pem)
    if after != before:
        diff = difflib.unified_diff(
            before.splitlines(), after.splitlines(), "before", "after", lineterm=""
        )
        print(
            "trim_packages: the app behaves differently without them; not trimmed safely",
            *list(diff)[:60],
            sep="\n",
            file=sys.stderr,
        )
        return 1
    print(
        "trim_packages: dates, S3 links, rendered and signed certificates, "
        "the database and every import are unchanged"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
