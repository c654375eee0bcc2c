# shellcheck shell=bash
# Sourced by the ensure_* scripts: where servers and tools that the tests build are cached, outside the
# checkout and keyed by version, so a fresh clone (and CI's clean checkout) reuses them instead of rebuilding.
#   $TURMS_TOOL_CACHE, else $XDG_CACHE_HOME/turms-server, else ~/.cache/turms-server
# Each tool lives in <cache>/<name>-<version>/.
export TOOL_CACHE="${TURMS_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turms-server}"
