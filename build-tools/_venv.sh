# Shared by build-tools/test, build-tools/demo and build-tools/bench (sourced, not run).
#
# ensure_venv: make sure $VENV exists and holds aws-login (editable) with its test extra.
# The install is skipped while pyproject.toml is unchanged since the last one, so a second
# run costs milliseconds. Override the interpreter with PYTHON=... and the folder with VENV=...
# (give each interpreter its own folder, e.g. PYTHON=python3.10 VENV=.venv-3.10: a venv made
# by another Python minor version than PYTHON's is made again).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
[[ "$VENV" == /* ]] || VENV="$PWD/$VENV"  # the scripts cd to $ROOT later
_PYTHON_GIVEN="${PYTHON:+yes}"
PYTHON="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

_say() { printf 'build-tools: %s\n' "$*" >&2; }

_minor() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

# The venv's interpreter runs (it may have been removed), and is PYTHON's version when given.
_venv_python_ok() {
    local have
    have="$(_minor "$VENV/bin/python")" || return 1
    [[ -z "$_PYTHON_GIVEN" || "$have" == "$(_minor "$PYTHON")" ]]
}

_venv_is_current() {
    local stamp="$VENV/.aws-login-install"
    [[ -x "$VENV/bin/python" && -x "$VENV/bin/aws-login" ]] || return 1
    _venv_python_ok || return 1
    cmp -s "$ROOT/pyproject.toml" "$stamp/pyproject.toml" || return 1
    [[ "$(cat "$stamp/root" 2>/dev/null)" == "$ROOT" ]]  # an editable install points here
}

# PYTHON runs (a pyenv shim of a version not selected does not) and is new enough.
_python_usable() {
    if [[ -z "$(_minor "$PYTHON")" ]]; then
        _say "$PYTHON not found; install Python 3.10 or newer (or set PYTHON=/path/to/python3)"
        return 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
        _say "$PYTHON is $("$PYTHON" -V 2>&1); aws-login needs Python 3.10 or newer"
        return 1
    fi
}

_install() {
    if [[ -d "$VENV" ]] && ! _venv_python_ok; then
        _python_usable || return 1  # before removing anything
        _say "$VENV is broken or not made by $PYTHON; recreating it"
        rm -rf "$VENV"
    fi
    if [[ ! -d "$VENV" ]]; then
        _python_usable || return 1
        _say "creating $VENV with $("$PYTHON" -V 2>&1)"
        "$PYTHON" -m venv "$VENV"
    fi
    _say "installing aws-login (editable) with its test tools into $VENV ..."
    "$VENV/bin/python" -m pip install --quiet --editable "$ROOT[test]"
    mkdir -p "$VENV/.aws-login-install"
    cp "$ROOT/pyproject.toml" "$VENV/.aws-login-install/pyproject.toml"
    printf '%s\n' "$ROOT" > "$VENV/.aws-login-install/root"
    _say "installed"
}

ensure_venv() {
    _venv_is_current && return 0
    # Two scripts started together on a fresh machine must not install at the same time.
    if command -v flock >/dev/null; then
        local lock
        lock="${TMPDIR:-/tmp}/aws-login-venv-$(printf '%s' "$VENV" | cksum | cut -d' ' -f1).lock"
        (
            flock 9
            _venv_is_current || _install
        ) 9>"$lock"
    else
        _install
    fi
}
