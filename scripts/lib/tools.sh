# shellcheck shell=bash
# Sourced by the scripts: finds the tools they need, or installs them without touching the
# system's Python (PEP 668 distributions refuse `pip install` outside a virtual environment).
#
# A tool already on PATH is used as it is. Otherwise each Python tool gets its own virtual
# environment under target/tools/venvs/ (AVAILABILITY_TOOLS_DIR moves the whole folder), and its
# commands are linked into target/tools/bin, which goes first on PATH. Ways to make that
# environment, first that works: `python3 -m venv`; `python3 -m venv --without-pip` filled by the
# system's `pip --python` (Debian without python3-venv); `uv`; `pipx`. Without any of them,
# cargo-lambda alone comes from `cargo install`. Crate tools come from `cargo install`.
#
#   source "$(dirname "$0")/lib/tools.sh"
#   need_python_tool cargo-lambda

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools_dir=${AVAILABILITY_TOOLS_DIR:-$repo_root/target/tools}
mkdir -p "$tools_dir/bin"
tools_dir=$(cd "$tools_dir" && pwd)
export PATH="$tools_dir/bin:$PATH"

# What each tool installs from PyPI, and the commands it brings that the scripts run. Lower
# bounds are the versions these scripts were written against; upper bounds keep a new major
# version (a changed command line) out until someone tries it.
python_tool_spec() {
  case "$1" in
    cargo-lambda) echo "cargo-lambda>=1.9,<2" ;;
    cfn-lint) echo "cfn-lint>=1.58,<2" ;;
    schemathesis) echo "schemathesis>=4.32,<5" ;;
    moto) echo "moto[server]>=5.2,<6" ;;
    sam) echo "aws-sam-cli>=1.170,<2" ;;
    # The webhook tests verify every delivery with the specification's own library.
    standardwebhooks) echo "standardwebhooks>=1.0,<2" ;;
    playwright) echo "playwright>=1.49,<2" ;;
    *) echo "unknown tool $1" >&2; return 1 ;;
  esac
}
python_tool_commands() {
  case "$1" in
    cargo-lambda) echo "cargo-lambda" ;;
    cfn-lint) echo "cfn-lint" ;;
    schemathesis) echo "st" ;;
    moto) echo "moto_server" ;;
    sam) echo "sam" ;;
    standardwebhooks) echo "" ;;
    playwright) echo "playwright" ;;
  esac
}

# Installs TOOL (a name known to python_tool_spec) unless its commands are already on PATH.
need_python_tool() {
  local tool=$1 command
  command=$(python_tool_commands "$tool")
  command -v "$command" >/dev/null 2>&1 && return 0
  install_python_tool "$tool"
}

# The interpreter of TOOL's own environment (installing it when needed), or python3 when the
# tool was found elsewhere and python3 can import MODULE.
python_for_tool() {
  local tool=$1 module=$2 venv
  venv=$(tool_venv "$tool")
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $module" 2>/dev/null; then
    echo "$venv/bin/python"
  elif python3 -c "import $module" 2>/dev/null; then
    command -v python3
  else
    install_python_tool "$tool" >&2 || return 1
    echo "$(tool_venv "$tool")/bin/python"
  fi
}

# Where TOOL's environment is, whichever way it was made.
tool_venv() {
  local tool=$1 candidate
  for candidate in "$tools_dir/venvs/$tool" "$tools_dir/pipx/venvs/$(python_tool_package "$tool")"; do
    if [ -x "$candidate/bin/python" ]; then echo "$candidate" && return 0; fi
  done
  echo "$tools_dir/venvs/$tool"
}

python_tool_package() {
  python_tool_spec "$1" | sed 's/[][<>=,].*//'
}

install_python_tool() {
  local tool=$1 spec venv
  spec=$(python_tool_spec "$tool")
  venv=$tools_dir/venvs/$tool
  echo "== installing $spec into ${venv#"$repo_root"/} (a virtual environment; the system Python is left alone)" >&2
  rm -rf "$venv"
  if python3 -m venv "$venv" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" || return 1
  elif rm -rf "$venv" && python3 -m pip --version >/dev/null 2>&1 &&
    python3 -m venv --without-pip "$venv" >/dev/null 2>&1; then
    echo "   (python3 has no ensurepip: the system pip installs into the environment)" >&2
    python3 -m pip --python "$venv/bin/python" install --quiet --disable-pip-version-check "$spec" ||
      return 1
  elif rm -rf "$venv" && command -v uv >/dev/null 2>&1; then
    echo "   (no usable venv module: uv makes the environment)" >&2
    { uv venv --quiet "$venv" && uv pip install --quiet --python "$venv/bin/python" "$spec"; } ||
      return 1
  elif command -v pipx >/dev/null 2>&1; then
    echo "   (no usable venv module: pipx makes the environment)" >&2
    PIPX_HOME=$tools_dir/pipx PIPX_BIN_DIR=$tools_dir/bin pipx install --force "$spec" >/dev/null ||
      return 1
    venv=$tools_dir/pipx/venvs/$(python_tool_package "$tool")
  elif [ "$tool" = cargo-lambda ]; then
    echo "   (no way to make a Python environment: building cargo-lambda with cargo install, several minutes)" >&2
    cargo install --locked --quiet --root "$tools_dir" cargo-lambda
    return
  else
    echo "cannot install $spec: python3 has neither venv nor pip, and neither uv nor pipx is on PATH" >&2
    return 1
  fi
  link_python_tool "$tool" "$venv"
}

link_python_tool() {
  local tool=$1 venv=$2 command zig
  for command in $(python_tool_commands "$tool"); do
    ln -sf "$venv/bin/$command" "$tools_dir/bin/$command"
  done
  # cargo-lambda's PyPI package brings zig (the cross linker `cargo lambda build` uses) as the
  # ziglang module; outside its environment it is found on PATH as `zig`.
  if [ "$tool" = cargo-lambda ]; then
    zig=$("$venv/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))' 2>/dev/null) &&
      [ -x "$zig" ] && ln -sf "$zig" "$tools_dir/bin/zig"
  fi
  return 0
}

# Installs the crate CRATE unless COMMAND is on PATH (into cargo's own bin folder, as usual).
need_crate_tool() {
  local command=$1 crate=$2
  command -v "$command" >/dev/null 2>&1 && return 0
  echo "== installing $crate with cargo install (compiles it: a few minutes, once)" >&2
  cargo install --locked --quiet "$crate"
}

# The calendar tests' independent readers (tests/e2e/calendar_clients.rs, issue 24): ical.js
# from npm into target/tools/npm, and Python's icalendar with recurring-ical-events (the busy-time
# oracle) in their own environment, target/tools/venvs/ical-oracle. Prints what is still missing
# and returns 1.
need_calendar_tools() {
  local venv=$tools_dir/venvs/ical-oracle
  if [ ! -f "$tools_dir/npm/node_modules/ical.js/package.json" ]; then
    echo "== installing ical.js into ${tools_dir#"$repo_root"/}/npm (npm)" >&2
    mkdir -p "$tools_dir/npm"
    npm install --silent --no-audit --no-fund --prefix "$tools_dir/npm" "ical.js@^2.1" >/dev/null ||
      echo "   could not install ical.js (is npm installed?)" >&2
  fi
  if ! "$venv/bin/python" -c "import icalendar, recurring_ical_events" 2>/dev/null; then
    echo "== installing icalendar and recurring-ical-events into ${venv#"$repo_root"/}" >&2
    rm -rf "$venv"
    { python3 -m venv "$venv" >/dev/null 2>&1 &&
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "icalendar>=6,<8" "recurring-ical-events>=3,<4"; } ||
      echo "   could not install icalendar (needs python3 with venv)" >&2
  fi
  [ -f "$tools_dir/npm/node_modules/ical.js/package.json" ] &&
    "$venv/bin/python" -c "import icalendar, recurring_ical_events" 2>/dev/null
}

# The booking page's browser tests (tests/e2e/browser.rs): Debian's chromium (apt-get, as root;
# Playwright never downloads a browser of its own), Playwright for Python in its own environment,
# and axe-core from npm into target/tools/npm. Prints what is still missing and returns 1.
need_browser_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "== installing Debian's chromium (apt-get)" >&2
    if [ "$(id -u)" = 0 ]; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
        echo "   apt-get could not install chromium" >&2
    else
      echo "   not root: run 'sudo apt-get install chromium'" >&2
    fi
  fi
  if [ ! -x "$tools_dir/venvs/playwright/bin/python" ] ||
    ! "$tools_dir/venvs/playwright/bin/python" -c "import playwright" 2>/dev/null; then
    install_python_tool playwright || echo "   could not install playwright" >&2
  fi
  if [ ! -f "$tools_dir/npm/node_modules/axe-core/axe.min.js" ]; then
    echo "== installing axe-core into ${tools_dir#"$repo_root"/}/npm (npm)" >&2
    mkdir -p "$tools_dir/npm"
    npm install --silent --no-audit --no-fund --prefix "$tools_dir/npm" "axe-core@^4.10" >/dev/null ||
      echo "   could not install axe-core (is npm installed?)" >&2
  fi
  [ -x /usr/bin/chromium ] && [ -x "$tools_dir/venvs/playwright/bin/python" ] &&
    [ -f "$tools_dir/npm/node_modules/axe-core/axe.min.js" ]
}

# Real CalDAV servers for the calendar tests (tests/e2e/calendar_caldav.rs), from PyPI, each in
# its own environment under target/tools/venvs with its command linked into target/tools/bin:
# Xandikos (the calendar-query REPORT), and Radicale, which checks passwords (Basic
# authentication against an htpasswd file). Returns 1 when one cannot be installed.
need_caldav_server() {
  local name requirement venv ready=0
  for name in xandikos radicale; do
    case $name in
      xandikos) requirement="xandikos>=0.4.10,<0.5" ;;
      radicale) requirement="radicale>=3.2,<4" ;;
    esac
    venv=$tools_dir/venvs/$name
    if [ ! -x "$venv/bin/$name" ]; then
      echo "== installing $name into ${venv#"$repo_root"/}" >&2
      rm -rf "$venv"
      { python3 -m venv "$venv" >/dev/null 2>&1 &&
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$requirement"; } ||
        echo "   could not install $name (needs python3 with venv)" >&2
    fi
    if [ -x "$venv/bin/$name" ]; then
      ln -sf "$venv/bin/$name" "$tools_dir/bin/$name"
    else
      ready=1
    fi
  done
  return $ready
}
