"""The package's import graph has no cycle: every import counts, including the lazy ones
inside functions (a cycle hidden in a function is still two modules that each need the
other). Only imports under `if TYPE_CHECKING:` are left out: they never run."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "aws_login"

Graph = Mapping[str, set[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, except those guarded by `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            children: list[ast.AST] = list(node.orelse)  # the `else:` branch does run
        else:
            children = [node]
        for child in children:
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child
            yield from runtime_imports(child)


def import_graph(sources: Mapping[str, str] | None = None) -> dict[str, set[str]]:
    """Module -> the package modules it imports; `sources` (name -> text) defaults to the
    package's own files."""
    if sources is None:
        sources = {module_name(path): path.read_text() for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, text in sources.items():
        edges: set[str] = set()
        for node in runtime_imports(ast.parse(text, name)):
            assert not isinstance(node, ast.ImportFrom) or node.level == 0, \
                f"{name}: the package uses absolute imports"
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in sources)
                continue
            target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in sources:
                    edges.add(submodule)  # `from aws_login import region`: that module
                elif target in sources:
                    edges.add(target)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_graph_counts_lazy_imports_but_not_type_checking_ones() -> None:
    graph = import_graph({
        "p.a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p import b\n"
               "else:\n    import p.c\n",
        "p.b": "def f():\n    from p.a import g\n",
        "p.c": "import os\nfrom p import d\n",
        "p.d": "",
    })
    assert graph == {"p.a": {"p.c"}, "p.b": {"p.a"}, "p.c": {"p.d"}, "p.d": set()}


def test_the_graph_holds_every_module_and_a_known_lazy_import() -> None:
    graph = import_graph()
    assert len(graph) == len(list(PACKAGE.rglob("*.py")))
    assert "aws_login.cli" in graph["aws_login.fastpath"]  # imported inside main()


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


# The layers of ARCHITECTURE.md, lowest first: a module imports only from its own layer or
# lower ones, so lower layers can be understood (and tested) without the higher ones.
LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": ("aws_login", "record", "errors", "log", "digest", "paths", "model", "arns",
                   "limits", "files", "retry", "providers", "fastpath", "nesting"),
    "edges": ("context", "aws_errors", "sts", "clients", "federation", "saml_assertion",
              "configgen", "render", "completion", "awsconfig", "sso", "sso.loopback",
              "sso.tokenfile", "sso.cache", "sso.cli_cache", "sso.oidc", "sso.portal",
              "sso.known_roles", "sso.advice", "prompts", "prompts.*", "programs", "clipboard",
              "browsers", "browser_profiles", "firefox_containers", "jumpcloud", "jumpcloud.urls",
              "jumpcloud.console", "jumpcloud.idp_page", "jumpcloud.keychain",
              "jumpcloud.assertion_cache"),
    "core": ("region", "mfa", "mfa_process", "mfa_ykman", "mfa_session", "process", "chain",
             "credentials_cache", "acquire", "sources", "sources.*", "sso.flows", "sso.tokens",
             "sso.token_sources", "sso.discovery", "sso.profile_tokens", "credentials_file",
             "cache_entries", "waits", "credential_keeper", "credential_server", "background_log",
             "console_browser", "portal_shortcut", "jumpcloud.signin"),
    "options": ("options", "options.*"),
    "commands": ("commands", "commands.*"),
    "entry": ("cli", "__main__"),
}
# Deliberate upward imports, each with its reason.
UPWARD = {
    ("aws_login.fastpath", "aws_login.cli"): "the console script hands a call it cannot "
                                              "answer to the whole program",
}


def layer_of(module: str) -> int:
    name = module.removeprefix("aws_login.") if module != "aws_login" else module
    for rank, members in enumerate(LAYERS.values()):
        for member in members:
            if name == member or (member.endswith(".*") and name.startswith(member[:-1])):
                return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")


def test_every_import_goes_down_the_layers() -> None:
    upward = {(module, target) for module, targets in import_graph().items()
              for target in targets if layer_of(target) > layer_of(module)}
    assert upward == set(UPWARD)


def test_commands_do_not_import_each_other() -> None:
    graph = import_graph()
    assert {(module, target) for module, targets in graph.items()
            if module.startswith("aws_login.commands.")
            for target in targets if target.startswith("aws_login.commands.")} == set()


def test_only_the_aws_edge_modules_import_botocore() -> None:
    importers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in runtime_imports(ast.parse(path.read_text(), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""])
            if any(name.split(".")[0] in ("botocore", "boto3") for name in names):
                importers.add(module_name(path))
    assert importers == {"aws_login.clients", "aws_login.aws_errors"}


def test_dumpcreds_from_environment_keys_loads_no_network_machinery(tmp_path: Path) -> None:
    """The commonest run that calls nothing (environment keys in, exports out) must not pay
    for botocore, the retry policy, error translation or dataclasses (~7 ms with inspect)."""
    import subprocess
    import sys

    script = ("import sys; from aws_login.cli import main; main(['dumpcreds', '--outform', "
              "'linux']); print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert "export AWS_ACCESS_KEY_ID='AKIAIOSFODNN7EXAMPLE'\n" in done.stdout
    loaded = set(done.stderr.split())
    assert loaded & {"botocore", "boto3", "dataclasses", "inspect", "aws_login.retry",
                     "aws_login.aws_errors", "aws_login.sts", "aws_login.clients",
                     "xml.etree.ElementTree", "http.server", "configparser",
                     # what only some runs need: --copy, an MFA device, a JumpCloud sign-in
                     "aws_login.clipboard", "aws_login.mfa_session", "aws_login.jumpcloud",
                     "requests"} == set()
