"""build-tools/bench: how long aws-login takes, against `python3 -c pass` in the same run.

Each case runs as a real process, N times (after warm-up runs), the cases interleaved so
that a noisy moment hurts all of them alike. Prints a markdown table of medians and ratios,
then which commands import boto3/botocore (`--version` and `--help` must not: exit 1 if
they do).

To add a row, add a Case to CASES. `needs` names the emulators the case talks to.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench_server  # sibling helper modules, not a package
import _emulators

USER_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documentation example keys
USER_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROOT = Path(__file__).resolve().parent.parent
ROLES = ("arn:aws:iam::111111111111:role/A, arn:aws:iam::222222222222:role/B, "
         "arn:aws:iam::333333333333:role/team/C")
BASELINE = "python3 -c pass"
CACHED_CHAIN = ("dumpcreds", "--credential-helper", "--use-cache", "--assume-roles", ROLES)
# Modules that must stay off the fast paths (DESIGN.md: boto3 only where AWS is called).
HEAVY = ("boto3", "botocore")


@dataclass(frozen=True)
class Case:
    label: str  # as shown in the table
    args: tuple[str, ...]  # arguments to aws-login; () with label BASELINE: python3 -c pass
    needs: tuple[str, ...] = ()  # emulators, see _emulators.EMULATORS
    keys: bool = True  # start from the example IAM user keys in the environment


CASES: tuple[Case, ...] = (
    Case(BASELINE, ()),
    Case("aws-login --version", ("--version",), keys=False),
    Case("aws-login dumpcreds (env keys, no network)", ("dumpcreds", "--outform", "linux")),
    Case("aws-login getcallerid, 3-hop chain (local STS)",
         ("getcallerid", "--assume-roles", ROLES), needs=("sts",)),
    Case("aws-login dumpcreds, 3-hop chain (local STS)",
         ("dumpcreds", "--outform", "linux", "--assume-roles", ROLES), needs=("sts",)),
    # The warm-up run fills the session cache; the timed runs are cache hits.
    Case("aws-login dumpcreds --credential-helper --use-cache, 3-hop chain, cache hit",
         CACHED_CHAIN, needs=("sts",)),
)

# Commands whose imports are checked with `python -X importtime`:
# (label, arguments, must stay free of boto3/botocore).
IMPORT_CHECKS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("aws-login --version", ("--version",), True),
    ("aws-login --help", ("--help",), True),
    ("aws-login dumpcreds (env keys)", ("dumpcreds", "--outform", "linux"), False),
    # filled by the timed runs, so this is a hit
    ("aws-login dumpcreds --credential-helper --use-cache (cache hit)", CACHED_CHAIN, False),
)


def install_as_users_do(folder: Path) -> Path:
    """A venv with aws-login installed from a wheel, as pip or pipx would, and returns its
    python. The dev venv's editable install costs every start ~10 ms that users never pay,
    so timing it would mislead; the dependencies are borrowed from the dev venv (.pth)."""
    wheels = folder / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(wheels), str(ROOT)],
                   check=True, stdout=subprocess.DEVNULL)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True, text=True)
    dev_site = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig."
                               "get_paths()['purelib'])"], check=True, capture_output=True,
                              text=True).stdout.strip()
    (Path(site.stdout.strip()) / "zz_dev_dependencies.pth").write_text(dev_site + "\n")
    (wheel,) = wheels.glob("aws_login-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", str(wheel)], check=True, stdout=subprocess.DEVNULL)
    return python


def command_for(case: Case, python: Path) -> list[str]:
    if case.label == BASELINE:
        return [str(python), "-c", "pass"]
    return [str(python.parent / "aws-login"), *case.args]


def clean_environment(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    for name in ("config", "credentials"):
        (aws / name).touch()
    env.update(HOME=str(home), AWS_LOGIN_CACHE_DIR=str(home / "aws-login-cache"),
               AWS_CONFIG_FILE=str(aws / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
               AWS_EC2_METADATA_DISABLED="true", SHELL="/bin/bash")
    for name in ("NO_PROXY", "no_proxy"):  # the emulators are on loopback: never via a proxy
        env[name] = ",".join(filter(None, ("127.0.0.1,localhost", env.get(name))))
    env.update(extra)
    return env


def environment_for(case: Case, base: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    if case.keys:
        env.update(AWS_ACCESS_KEY_ID=USER_KEY_ID, AWS_SECRET_ACCESS_KEY=USER_SECRET)
    return env


def run_once(argv: Sequence[str], env: Mapping[str, str]) -> float:
    """Run argv once; return the wall time in milliseconds."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=dict(env), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv[:3])} ... failed with exit code "
                         f"{done.returncode}:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def heavy_imports(python: Path, args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The top-level boto3/botocore modules `python -X importtime -m aws_login ARGS` imports."""
    done = subprocess.run([str(python), "-X", "importtime", "-m", "aws_login", *args],
                          env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    found: set[str] = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            module = line.rsplit("|", 1)[1].strip()
            if module.split(".")[0] in HEAVY:
                found.add(module.split(".")[0])
    return sorted(found)


def import_profile(python: Path, args: Sequence[str], env: Mapping[str, str],
                   top: int = 8) -> list[tuple[str, float]]:
    """What `python -X importtime` shows for the console script: the modules imported at
    the top level, by cumulative milliseconds, largest first."""
    done = subprocess.run([str(python), "-X", "importtime", str(python.parent / "aws-login"),
                           *args], env=dict(env), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and parts[2].startswith(" ") and parts[2][1:2] != " "
        if line.startswith("import time:") and top_level and parts[1].strip().isdigit():
            rows.append((parts[2].strip(), int(parts[1]) / 1000))
    return sorted(rows, key=lambda row: -row[1])[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repeat", type=int,
                        default=int(os.environ.get("BENCH_REPEAT", "15")),
                        help="timed runs per command (default 15, or $BENCH_REPEAT)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="untimed runs per command first (default 2)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    needed = sorted({name for case in CASES for name in case.needs})
    running = _emulators.start(needed)
    try:
        with tempfile.TemporaryDirectory(prefix="aws-login-bench.") as home:
            python = install_as_users_do(Path(home) / "install")
            base = clean_environment(Path(home), running.env)
            plan = [(case, command_for(case, python), environment_for(case, base))
                    for case in CASES]
            for _ in range(args.warmup):
                for _case, command, env in plan:
                    run_once(command, env)
            times: dict[str, list[float]] = {case.label: [] for case in CASES}
            for _ in range(args.repeat):
                for case, command, env in plan:
                    times[case.label].append(run_once(command, env))
            keys_env = environment_for(Case("", ()), base)
            imports = [(label, must_be_light, heavy_imports(python, check, keys_env))
                       for label, check, must_be_light in IMPORT_CHECKS]
            hit_profile = import_profile(python, CACHED_CHAIN, keys_env)
            server_lines = _bench_server.measure(python, ROLES, keys_env, 1000)
    finally:
        running.stop()

    baseline = statistics.median(times[BASELINE])
    print(f"{args.repeat} timed runs per command after {args.warmup} warm-up runs, interleaved; "
          f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs. aws-login is installed from a wheel into a fresh venv; "
          f"`{BASELINE}` is that venv's interpreter.\n")
    print("| command | median ms | ratio |")
    print("|---|---:|---:|")
    for case in CASES:
        median = statistics.median(times[case.label])
        print(f"| `{case.label}` | {median:.1f} | {median / baseline:.2f} |")

    print("\n| credential server | median ms | p99 ms |")
    print("|---|---:|---:|")
    print("\n".join(server_lines))

    print("\n| command | imports boto3/botocore |")
    print("|---|---|")
    failed = False
    for label, must_be_light, found in imports:
        verdict = ("yes: " + ", ".join(found)) if found else "no"
        if found and must_be_light:
            verdict += " (must not!)"
            failed = True
        print(f"| `{label}` | {verdict} |")
    print("\n`-X importtime` of a cache hit (top-level imports, cumulative ms):",
          ", ".join(f"{name} {ms:.1f}" for name, ms in hit_profile))
    if failed:
        print("\nbench: --version and --help must not import boto3/botocore", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
