"""build-tools/build: make the sdist and the wheel, check them, and prove the wheel installs.

    build-tools/build                  artifacts in dist/
    build-tools/build --outdir DIR     elsewhere
    build-tools/build --keep-venv      keep the test venv (its path is printed)

1. `python -m build` on a clean copy of the working tree (the files git sees): the sdist,
   then the wheel built *from the sdist* (so a file missing from the sdist breaks the wheel,
   not a user's install).
2. Checks the metadata of both (name, version, Requires-Python, the runtime dependencies of
   pyproject.toml), the wheel's `aws-login` console script, that every module of aws_login/
   is in both and nothing else in the wheel, and that the sdist carries completions/.
3. Installs the wheel into a fresh venv and, from outside the repository, runs
   `aws-login --version`, `python -m aws_login --version`, `aws-login --help`, `pip check`
   and one tab completion.

Prints a short report; exits 1 when any check fails. Needs the network (PyPI) for the build
backend and the wheel's dependencies.
"""

from __future__ import annotations

import argparse
import configparser
import email.parser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "aws-login"
DIST_NAME = "aws_login"  # the name in artifact file names
REQUIRES_PYTHON = ">=3.10"
# The runtime dependencies (README "Dependencies"); pyproject.toml must list these five.
RUNTIME_DEPENDENCIES = ("boto3", "botocore", "requests", "argcomplete", "platformdirs")
COMPLETION_FILES = ("aws-login.bash", "aws-login.zsh", "aws-login.fish")


class Report:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, what: str, ok: bool, detail: str = "", why: str = "") -> bool:
        """One line: ok or FAIL, `what`, then `detail` (on failure `why`, if given)."""
        shown = why if not ok and why else detail
        print(f"  {'ok  ' if ok else 'FAIL'}  {what}" + (f": {shown}" if shown else ""))
        if not ok:
            self.failed.append(what)
        return ok

    def section(self, title: str) -> None:
        print(f"\n{title}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build-tools/build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outdir", type=Path, default=ROOT / "dist",
                        help="where the sdist and wheel go (default: dist/)")
    parser.add_argument("--keep-venv", action="store_true",
                        help="keep the venv the wheel was installed into")
    args = parser.parse_args(argv)
    report = Report()
    version = _source_version()
    print(f"build-tools/build: {NAME} {version} from {ROOT}")

    outdir: Path = args.outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    for old in [*outdir.glob(f"{DIST_NAME}-*.whl"), *outdir.glob(f"{DIST_NAME}-*.tar.gz")]:
        old.unlink()
    report.section("build (python -m build: sdist, then the wheel from the sdist)")
    with tempfile.TemporaryDirectory(prefix="aws-login-source-") as temp:
        source = _clean_copy(Path(temp) / "source")
        built = _run([sys.executable, "-m", "build", "--outdir", str(outdir), str(source)])
    if not report.check("python -m build", built.returncode == 0,
                        why=_tail(built.stdout + built.stderr)):
        return _finish(report)
    wheel = outdir / f"{DIST_NAME}-{version}-py3-none-any.whl"
    sdist = outdir / f"{DIST_NAME}-{version}.tar.gz"
    found = sorted(path.name for path in outdir.iterdir() if path.name.startswith(DIST_NAME))
    if not (report.check("wheel file", wheel.exists(), wheel.name if wheel.exists()
                         else f"expected {wheel.name}, found {found}")
            & report.check("sdist file", sdist.exists(), sdist.name if sdist.exists()
                           else f"expected {sdist.name}, found {found}")):
        return _finish(report)

    report.section(f"wheel {wheel.name}")
    _check_wheel(wheel, version, report)
    report.section(f"sdist {sdist.name}")
    _check_sdist(sdist, version, report)
    report.section("install the wheel into a fresh venv")
    _check_install(wheel, version, args.keep_venv, report)

    report.section("artifacts")
    for path in (sdist, wheel):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"  {path}  {path.stat().st_size / 1024:.1f} KiB  sha256 {digest[:16]}...")
    return _finish(report)


def _finish(report: Report) -> int:
    if report.failed:
        print(f"\nbuild-tools/build: FAILED: {', '.join(report.failed)}", file=sys.stderr)
        return 1
    print("\nbuild-tools/build: all checks passed")
    return 0


# --------------------------------------------------------------------- the artifacts


def _check_wheel(wheel: Path, version: str, report: Report) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"{DIST_NAME}-{version}.dist-info"
        metadata = _metadata(archive.read(f"{info}/METADATA").decode("utf-8"))
        _check_metadata(metadata, version, report)
        wheel_info = _metadata(archive.read(f"{info}/WHEEL").decode("utf-8"))
        report.check("WHEEL: pure Python, any platform",
                     wheel_info.get("Root-Is-Purelib") == "true"
                     and wheel_info.get_all("Tag") == ["py3-none-any"],
                     ", ".join(wheel_info.get_all("Tag") or []))
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(f"{info}/entry_points.txt").decode("utf-8"))
        scripts = dict(entry_points["console_scripts"]) if entry_points.has_section(
            "console_scripts") else {}
        declared = _pyproject("scripts")
        expected = {NAME: declared[NAME]} if isinstance(declared, dict) else None
        report.check("entry_points.txt: console script aws-login as in pyproject.toml",
                     scripts == expected if expected else (
                         list(scripts) == [NAME]
                         and re.fullmatch(r"aws_login[\w.]*:\w+", scripts[NAME]) is not None),
                     f"{scripts}", why=f"{scripts}, expected {expected}")
        report.check("RECORD lists every file", set(_record(archive, info)) == set(names))
    modules = _package_modules()
    packaged = {name for name in names if name.startswith(f"{DIST_NAME}/")}
    missing = sorted(modules - packaged)
    report.check(f"all {len(modules)} modules of aws_login/", not missing,
                 f"missing {missing}" if missing else "")
    stray = sorted(name for name in names
                   if not name.startswith((f"{DIST_NAME}/", f"{info}/"))
                   or "__pycache__" in name or name.endswith(".pyc"))
    stray += sorted(packaged - modules)
    report.check("nothing else (no tests, build tools, caches)", not stray,
                 f"unexpected {stray}" if stray else "")


def _check_sdist(sdist: Path, version: str, report: Report) -> None:
    top = f"{DIST_NAME}-{version}"
    with tarfile.open(sdist) as archive:
        members = {member.name: member for member in archive.getmembers()}

        def read(name: str) -> bytes | None:
            member = members.get(f"{top}/{name}")
            handle = archive.extractfile(member) if member is not None else None
            return handle.read() if handle is not None else None

        pkg_info = read("PKG-INFO")
        if report.check("PKG-INFO", pkg_info is not None) and pkg_info is not None:
            metadata = _metadata(pkg_info.decode("utf-8"))
            report.check("PKG-INFO: name and version",
                         (metadata.get("Name"), metadata.get("Version")) == (NAME, version),
                         f"{metadata.get('Name')} {metadata.get('Version')}")
        required = ["pyproject.toml", "README.md", "MANIFEST.in",
                    *(name for name in sorted(_package_modules()))]
        missing = [name for name in required if f"{top}/{name}" not in members]
        report.check("pyproject.toml, README.md and every module", not missing,
                     f"missing {missing}" if missing else "")
        differ = [name for name in COMPLETION_FILES
                  if read(f"completions/{name}") != (ROOT / "completions" / name).read_bytes()]
        report.check("completions/ (bash, zsh, fish) as in the repository", not differ,
                     f"missing or different: {differ}" if differ else "")
        stray = [name for name in members if "__pycache__" in name or name.endswith(".pyc")
                 or name.startswith((f"{top}/tests", f"{top}/build-tools"))]
        report.check("no tests, build tools or byte-code", not stray,
                     f"unexpected {stray[:3]}" if stray else "")


def _clean_copy(target: Path) -> Path:
    """The files of the working tree that git would see (tracked, or new and not ignored),
    copied to `target`: the build must not pick up leftovers such as an old *.egg-info,
    whose SOURCES.txt setuptools would reuse."""
    listed = _run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                   "--exclude-standard"])
    if listed.returncode != 0:
        sys.exit(f"build-tools/build: git ls-files failed: {_tail(listed.stderr)}")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted, not yet committed file is still listed
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _check_metadata(metadata: Message, version: str, report: Report) -> None:
    report.check("METADATA: name", metadata.get("Name") == NAME, str(metadata.get("Name")))
    report.check("METADATA: version = aws_login.__version__", metadata.get("Version") == version,
                 str(metadata.get("Version")))
    report.check("METADATA: Requires-Python", metadata.get("Requires-Python") == REQUIRES_PYTHON,
                 str(metadata.get("Requires-Python")))
    runtime = [req for req in metadata.get_all("Requires-Dist") or [] if "extra ==" not in req]
    names = sorted(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0].lower() for req in runtime)
    declared = _pyproject("dependencies")
    same = names == sorted(RUNTIME_DEPENDENCIES) and (
        not isinstance(declared, list) or sorted(_normal(req) for req in runtime) == sorted(
            _normal(str(req)) for req in declared))
    report.check(f"METADATA: the {len(RUNTIME_DEPENDENCIES)} runtime dependencies of "
                 "pyproject.toml", same, ", ".join(runtime))


def _metadata(text: str) -> Message:
    return email.parser.Parser().parsestr(text)


def _record(archive: zipfile.ZipFile, info: str) -> list[str]:
    text = archive.read(f"{info}/RECORD").decode("utf-8")
    return [line.split(",")[0] for line in text.splitlines() if line.strip()]


def _package_modules() -> set[str]:
    package = ROOT / DIST_NAME
    return {path.relative_to(ROOT).as_posix() for path in package.rglob("*.py")
            if "__pycache__" not in path.parts}


def _pyproject(key: str) -> object:
    """A key of pyproject.toml's [project] table (None on Python 3.10: it has no tomllib)."""
    import importlib

    try:
        tomllib = importlib.import_module("tomllib")
    except ImportError:  # Python 3.10
        return None
    with open(ROOT / "pyproject.toml", "rb") as handle:
        project: dict[str, object] = tomllib.load(handle)["project"]
    return project.get(key)


def _normal(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).lower()


def _source_version() -> str:
    text = (ROOT / DIST_NAME / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        sys.exit("build-tools/build: no __version__ in aws_login/__init__.py")
    return match.group(1)


# --------------------------------------------------------------------- the fresh install


def _check_install(wheel: Path, version: str, keep: bool, report: Report) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aws-login-build-"))
    venv = folder / "venv"
    work = folder / "elsewhere"  # not the repository: its aws_login/ must not be imported
    work.mkdir()
    try:
        created = _run([sys.executable, "-m", "venv", str(venv)])
        if not report.check("python -m venv", created.returncode == 0,
                            why=_tail(created.stderr)):
            return
        bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
        python = bin_dir / "python"
        env = _clean_env(bin_dir)
        installed = _run([str(python), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", str(wheel)], env=env, cwd=work)
        if not report.check("pip install the wheel (dependencies from PyPI)",
                            installed.returncode == 0,
                            why=_tail(installed.stdout + installed.stderr)):
            return
        expected = f"{NAME} {version}"
        checks: list[tuple[str, list[str], Callable[[str], bool], dict[str, str]]] = [
            ("aws-login --version", [str(bin_dir / NAME), "--version"],
             lambda out: out.strip() == expected, {}),
            ("python -m aws_login --version", [str(python), "-m", DIST_NAME, "--version"],
             lambda out: out.strip() == expected, {}),
            ("aws-login --help", [str(bin_dir / NAME), "--help"],
             lambda out: out.startswith("usage: aws-login") and "dumpcreds" in out, {}),
            ("imported from the venv, not the repository",
             [str(python), "-c", "import aws_login; print(aws_login.__file__)"],
             lambda out: Path(out.strip()).resolve().is_relative_to(venv.resolve()), {}),
            ("pip check", [str(python), "-m", "pip", "check", "--disable-pip-version-check"],
             lambda out: "No broken requirements" in out, {}),
            ("tab completion: aws-login dump<TAB>",
             ["sh", "-c", 'exec "$@" 8>&1 1>/dev/null', "sh", str(bin_dir / NAME)],
             lambda out: out.split("\n") == ["dumpcreds", "dumpconfig"],
             {"_ARGCOMPLETE": "1", "COMP_LINE": "aws-login dump", "COMP_POINT": "14",
              "_ARGCOMPLETE_IFS": "\n", "_ARGCOMPLETE_SUPPRESS_SPACE": "1"}),
        ]
        for what, command, ok, extra in checks:
            result = _run(command, env={**env, **extra}, cwd=work)
            output = result.stdout
            report.check(what, result.returncode == 0 and ok(output), _first_line(output),
                         why=f"exit {result.returncode}: {_tail(result.stderr)}"
                         if result.returncode else f"got {output.strip()[:200]!r}")
    finally:
        if keep:
            print(f"  (kept {venv})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _clean_env(bin_dir: Path) -> dict[str, str]:
    """The environment without this venv, PYTHONPATH or AWS settings; `bin_dir` first."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV", "_ARC", "COMP_"))}
    current = Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin")
    path = [entry for entry in env.get("PATH", os.defpath).split(os.pathsep)
            if entry and Path(entry) != current]
    env["PATH"] = os.pathsep.join([str(bin_dir), *path])
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _run(command: Iterable[str], env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, env=env, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=900)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:100] if text.strip() else ""


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


if __name__ == "__main__":
    sys.exit(main())
