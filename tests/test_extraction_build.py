"""The compiled extractor (mypyc, `make install`) against its own source, and the guard that
runs the source when a build is older than it."""

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
    """CI tests what `make install` builds; elsewhere an uncompiled checkout is fine."""
    if extraction.BUILD != "compiled":
        if os.environ.get("CI"):
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


@pytest.mark.parametrize("case", ["older", "incomplete"])
def test_a_stale_build_runs_the_source(tmp_path: Path, case: str) -> None:
    """An edited .py beside an older build, or a build missing one module: the sources run,
    with a warning that says how to rebuild; the (here fake) builds are never loaded."""
    package = tmp_path / "provenance"
    shutil.copytree(
        REPO / "provenance", package, ignore=shutil.ignore_patterns("*.so", "__pycache__")
    )
    when = 1_000_000_000 if case == "older" else 4_000_000_000  # 2001 or 2096
    for module in COMPILED[1:] if case == "incomplete" else COMPILED:
        build = package / "extraction" / f"{module}{EXTENSION_SUFFIXES[0]}"
        build.write_bytes(b"not a shared library")
        os.utime(build, (when, when))
    script = (
        "import provenance.extraction as e, provenance.extraction.extract as x; "
        "print(e.BUILD, x.__file__, len(x.extract_quotes('“A card,” Kato said.')))"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PROVENANCE_PURE_PYTHON": ""}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    build, path, quotes = done.stdout.split()
    assert (build, Path(path), quotes) == ("interpreted", package / "extraction/extract.py", "1")
    assert "older than its source or incomplete" in done.stderr and "make install" in done.stderr
