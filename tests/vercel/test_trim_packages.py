"""scripts/trim_packages.py's own parts: the RECORD it leaves and the shared objects it
strips. (The trim as a whole runs in every `vercel build`: tests/vercel/test_build.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from scripts.trim_check import third_party_imports
from scripts.trim_packages import record_line, rewrite_records, strip


def fake_distribution(site: Path) -> metadata.Distribution:
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("")
    (site / "pkg" / "kept.py").write_text("KEPT = 1\n")
    (site / "pkg" / "source.c").write_text("int x;\n")
    info = site / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
    names = ["pkg/__init__.py", "pkg/kept.py", "pkg/source.c", "pkg-1.0.dist-info/METADATA"]
    lines = [record_line(site / name, name) for name in names]
    (info / "RECORD").write_text("\n".join([*lines, "pkg-1.0.dist-info/RECORD,,"]) + "\n")
    return metadata.PathDistribution(info)


def test_the_record_lists_what_is_left_with_its_digests(tmp_path: Path) -> None:
    dist = fake_distribution(tmp_path)
    listing = [(dist, Path(dist.locate_file(f)).resolve()) for f in dist.files]
    source, kept = tmp_path / "pkg" / "source.c", tmp_path / "pkg" / "kept.py"
    source.unlink()
    kept.write_text("KEPT = 2  # changed in place\n")
    rewrite_records(listing, {source.resolve()}, {kept.resolve()})
    record = (tmp_path / "pkg-1.0.dist-info" / "RECORD").read_text().splitlines()
    assert [line.split(",")[0] for line in record] == [
        "pkg/__init__.py",
        "pkg/kept.py",
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/RECORD",
    ]
    assert record[1] == record_line(kept, "pkg/kept.py")
    assert record[1].endswith(f",{kept.stat().st_size}")
    assert record[-1] == "pkg-1.0.dist-info/RECORD,,"  # RECORD never lists its own digest


def test_a_stripped_extension_module_is_smaller_and_still_imports(tmp_path: Path) -> None:
    import markupsafe._speedups as compiled

    original = Path(compiled.__file__)
    assert original.suffix == ".so", "MarkupSafe's compiled extension is installed"
    copy = tmp_path / "markupsafe_probe" / original.name
    copy.parent.mkdir(parents=True)
    shutil.copy2(original, copy)
    inode = copy.stat().st_ino
    assert strip([copy], shutil.which("strip") or "strip") == [copy]
    assert copy.stat().st_size < original.stat().st_size
    assert copy.stat().st_ino != inode, "replaced, never rewritten under a process mapping it"
    loads = (
        "import importlib.util, sys; "
        "spec = importlib.util.spec_from_file_location("
        "'markupsafe._speedups', sys.argv[1]); "
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
        "print(module._escape_inner('<a>'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", loads, copy], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "&lt;a&gt;", result.stderr
    assert strip([copy], shutil.which("strip") or "strip") == [], "stripping twice changes nothing"


def test_the_imports_checked_are_the_full_dotted_names() -> None:
    names = third_party_imports()
    assert {"flask", "sqlalchemy", "PIL"} <= {name.split(".")[0] for name in names}
    assert "pyhanko.sign" in names and "pyhanko_certvalidator.registry" in names
    assert not [name for name in names if name.split(".")[0] in {"app", "api", "os", "json"}]
