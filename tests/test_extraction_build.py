"""The compiled extractor (mypyc, `make install`) against its own source, and the guard that
runs the sources when the build was not made from them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import provenance.extraction as extraction
from tests.conftest import REPO, SEEDS

COMPILED = extraction.COMPILED_MODULES

# Every text the suite keeps, plus quote-dense synthetic articles from the speed benchmark.
_DIGEST = """
import hashlib, json, random, sys
from pathlib import Path
sys.path.insert(0, {bench!r})
import provenance.extraction as extraction
from bench_extraction import make_article
from provenance.extraction import extract_quotes
folders = {folders!r}
paths = [p for folder in folders for p in sorted(Path(folder).rglob("*"))]
texts = [p.read_text(encoding="utf-8", errors="replace")
         for p in paths if p.suffix in (".txt", ".md")]
rng = random.Random(11)
texts += [make_article(rng) for _ in range(60)]
digest = hashlib.sha256()
quotes = 0
for text in texts:
    for quote in extract_quotes(text):
        digest.update(repr(quote).encode())
        quotes += 1
print(json.dumps({{"build": extraction.BUILD, "texts": len(texts), "quotes": quotes,
                  "digest": digest.hexdigest()}}))
"""


def _digest(pure: bool) -> dict[str, object]:
    script = _DIGEST.format(
        bench=str(REPO / "bench"), folders=[str(SEEDS), str(REPO / "tests" / "eval")]
    )
    env = {**os.environ, "PROVENANCE_PURE_PYTHON": "1" if pure else ""}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ci_runs_the_compiled_extractor() -> None:
    """CI (`.ci/run` sets PROVENANCE_EXPECT_COMPILED) tests what `make install` builds;
    elsewhere an uncompiled checkout is fine."""
    if extraction.BUILD != "compiled":
        if os.environ.get("PROVENANCE_EXPECT_COMPILED"):
            pytest.fail(f"CI must test the compiled extractor, but it is {extraction.BUILD}")
        pytest.skip(f"the extractor is {extraction.BUILD} here: `make install` compiles it")
    module = sys.modules["provenance.extraction.names"]
    assert Path(module.__file__ or "").suffix in {".so", ".pyd"}


def test_compiled_and_interpreted_extractors_find_the_same_quotes() -> None:
    """mypyc must not change a single quote, span, speaker or kind on any text we keep."""
    if extraction.build_state() != "compiled":
        pytest.skip(f"no current build to compare: it is {extraction.build_state()}")
    interpreted = _digest(pure=True)
    assert interpreted["build"] == "interpreted"
    assert interpreted["quotes"] > 500  # the seeds, the evaluation articles, 60 dense ones
    compiled = _digest(pure=False)
    assert compiled == {**interpreted, "build": "compiled"}


def _fake_build(tmp_path: Path, case: str) -> Path:
    """A copy of the package whose builds are files that cannot load, with the sources'
    digest recorded as `make install` records it, then spoiled as `case` says."""
    package = tmp_path / "provenance"
    shutil.copytree(
        REPO / "provenance",
        package,
        ignore=shutil.ignore_patterns("*.so", "__pycache__", extraction.BUILT_FROM),
    )
    folder = package / "extraction"
    for module in COMPILED[1:] if case == "incomplete" else COMPILED:
        (folder / f"{module}{EXTENSION_SUFFIXES[0]}").write_bytes(b"not a shared library")
    if case != "unrecorded":  # the copied sources are the repository's: same digest
        (folder / extraction.BUILT_FROM).write_text(extraction.sources_digest() + "\n")
    if case == "edited":
        with (folder / "names.py").open("a", encoding="utf-8") as source:
            source.write("# edited after the build\n")
    return package


def _import_extractor(tmp_path: Path, pure: str = "") -> subprocess.CompletedProcess[str]:
    script = (
        "import provenance.extraction as e, provenance.extraction.extract as x; "
        "print(e.BUILD, x.__file__, len(x.extract_quotes('“A card,” Kato said.')))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PROVENANCE_PURE_PYTHON": pure}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("case", ["edited", "incomplete", "unrecorded"])
def test_a_build_not_made_from_these_sources_runs_the_sources(tmp_path: Path, case: str) -> None:
    """An edited source, a module without a build, or builds `make install` did not record:
    the sources run, with a warning that says how to rebuild; the builds (here files that
    would fail to load) are never loaded."""
    package = _fake_build(tmp_path, case)
    done = _import_extractor(tmp_path)
    assert done.returncode == 0, done.stderr
    build, path, quotes = done.stdout.split()
    assert (build, Path(path), quotes) == ("interpreted", package / "extraction/extract.py", "1")
    assert "not built from these sources" in done.stderr and "make install" in done.stderr


def test_a_recorded_build_is_trusted_unless_pure_python_is_asked_for(tmp_path: Path) -> None:
    """The same fake builds, recorded and current, are what Python loads (and fail); with
    PROVENANCE_PURE_PYTHON=1 the sources run quietly, with =0 the builds are loaded again."""
    package = _fake_build(tmp_path, "recorded")
    loaded = _import_extractor(tmp_path)
    assert loaded.returncode != 0 and "ImportError" in loaded.stderr
    pure = _import_extractor(tmp_path, pure="1")
    assert pure.returncode == 0, pure.stderr
    assert pure.stdout.split()[:2] == ["interpreted", str(package / "extraction/extract.py")]
    assert "Warning" not in pure.stderr
    assert _import_extractor(tmp_path, pure="0").returncode != 0
