# Shared set-up for scripts/run and scripts/test: installs what is missing (Debian 12 packages,
# npm packages from package-lock.json) and builds. Sourced, not run. Idempotent and quick when
# everything is already there.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(
    g++ cmake ninja-build ccache pkg-config curl ca-certificates tzdata
    libboost1.81-dev nlohmann-json3-dev libspdlog-dev catch2 libsqlite3-dev libpq-dev libssl-dev
    libhowardhinnant-date-dev libqrencode-dev clang-format
)

# Each log line starts a stage; the time each stage took is printed when the next one starts,
# and stage_summary lists them all.
STAGE_NAME=""
STAGE_START=$SECONDS
STAGE_TIMES=()
stage_done() {
    if [ -n "$STAGE_NAME" ]; then
        local took=$((SECONDS - STAGE_START))
        STAGE_TIMES+=("$(printf '%5d s  %s' "$took" "$STAGE_NAME")")
        printf '    (%d s)\n' "$took" >&2
    fi
    STAGE_NAME=""
}
log() {
    stage_done
    STAGE_NAME="$*"
    STAGE_START=$SECONDS
    printf '\033[1m==> %s\033[0m\n' "$*" >&2
}
stage_summary() {
    stage_done
    printf '\033[1m==> time per stage (%d s in all)\033[0m\n' "$SECONDS" >&2
    printf '%s\n' "${STAGE_TIMES[@]}" >&2
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt() {
    local missing=()
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        install_apt nodejs npm
    fi
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    if [ "$major" -lt 20 ]; then
        echo "hashchat needs Node.js 20 or newer for its web client build (found $(node --version))." >&2
        exit 1
    fi
}

ensure_npm_packages() {
    # npm ci again only when package-lock.json changed since the last install.
    local stamp="node_modules/.hashchat-lock"
    if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
        log "installing npm packages (package-lock.json)"
        npm ci --no-audit --no-fund --loglevel=error
        cp package-lock.json "$stamp"
    fi
}

build_server() {
    local preset="$1"
    if [ ! -f "build/$preset/build.ninja" ]; then
        log "configuring ($preset)"
        cmake --preset "$preset" >/dev/null
    fi
    log "building ($preset)"
    cmake --build --preset "$preset"
}

# build/release configured the plain way a packager does (not by preset; the release preset is
# the same configuration, so both share the folder), reconfigured when it is not that.
build_release() {
    local cache=build/release/CMakeCache.txt
    if [ ! -f build/release/build.ninja ] ||
        ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$cache" ||
        ! grep -qx 'HASHCHAT_WERROR:BOOL=ON' "$cache"; then
        log "configuring (release: -DCMAKE_BUILD_TYPE=Release -DHASHCHAT_WERROR=ON)"
        cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHASHCHAT_WERROR=ON \
            >/dev/null
    fi
    log "building (release)"
    cmake --build build/release -j2
}

build_web() {
    # Rebuild the client only when a source file is newer than the last build.
    if [ ! -f web-client/dist/index.html ] ||
        [ -n "$(find web-client -path web-client/dist -prune -o -newer web-client/dist/index.html -type f -print -quit)" ]; then
        log "building the web client"
        npm run --silent build >/dev/null
    fi
}
