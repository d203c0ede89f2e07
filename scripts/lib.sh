# Shared helpers for the scripts in this folder: install missing Debian packages and run
# PostgreSQL tools as the right user. Sourced, not run.

# Runs a command as root (directly, or through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the given Debian packages if any is missing.
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Checks for a Rust toolchain new enough for this workspace.
ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
        exit 1
    fi
}

# Installs schemathesis (PyPI, pinned) into a virtual environment of its own, once, and exports
# SCHEMATHESIS with the path of its command for the API fuzzing test.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
    ensure_packages python3-venv
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/chatterly/schemathesis-$SCHEMATHESIS_VERSION"
    if [ ! -x "$venv/bin/schemathesis" ]; then
        echo "==> installing schemathesis $SCHEMATHESIS_VERSION"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
    fi
    export SCHEMATHESIS="$venv/bin/schemathesis"
}

# Installs what the fuzz targets need (`scripts/fuzz`): a nightly toolchain (minimal profile)
# through rustup and cargo-fuzz (crates.io, pinned) when missing. cargo-fuzz instruments the
# build with flags only nightly rustc takes; CHATTERLY_FUZZ_TOOLCHAIN names another toolchain.
CARGO_FUZZ_VERSION=0.13.2
ensure_fuzz_tools() {
    FUZZ_TOOLCHAIN=${CHATTERLY_FUZZ_TOOLCHAIN:-nightly}
    if ! rustup run "$FUZZ_TOOLCHAIN" rustc -V >/dev/null 2>&1; then
        echo "==> installing the $FUZZ_TOOLCHAIN Rust toolchain"
        rustup toolchain install "$FUZZ_TOOLCHAIN" --profile minimal
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION"
        # Its own temporary build directory, whatever CARGO_TARGET_DIR says.
        env -u CARGO_TARGET_DIR cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
    fi
}

# The directory of the newest installed PostgreSQL server binaries.
pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Starts a throwaway PostgreSQL cluster on a free loopback port (as the `postgres` user when
# root), removed when the calling script exits, and exports DATABASE_URL for it.
start_throwaway_postgres() {
    local bin pgdir port
    bin=$(pg_bin_dir)
    pgdir=$(mktemp -d /tmp/chatterly-test-pg.XXXXXX)
    chmod 755 "$pgdir"
    THROWAWAY_PG_RUN=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$pgdir"
        THROWAWAY_PG_RUN=(runuser -u postgres --)
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "==> starting a throwaway PostgreSQL on port $port"
    (cd / && "${THROWAWAY_PG_RUN[@]}" "$bin/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null)
    (cd / && "${THROWAWAY_PG_RUN[@]}" "$bin/pg_ctl" start -D "$pgdir/data" -l "$pgdir/server.log" -w -o \
        "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null)
    THROWAWAY_PG_BIN=$bin
    THROWAWAY_PG_DIR=$pgdir
    trap '(cd / && "${THROWAWAY_PG_RUN[@]}" "$THROWAWAY_PG_BIN/pg_ctl" stop -D "$THROWAWAY_PG_DIR/data" -m immediate >/dev/null 2>&1); rm -rf "$THROWAWAY_PG_DIR"' EXIT
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Finds EmoBank (the mood model's human arousal ratings, CC BY-SA 4.0; never copied into the
# repository) for the tests and exports EMOBANK_CSV and CHATTERLY_MOOD_EMOBANK_CSV: as given, or
# in `shared/data/emobank/` beside this checkout or one of its parents (a clone elsewhere, e.g. in
# /tmp, also looks in /work/shared).
ensure_emobank() {
    if [ -n "${EMOBANK_CSV:-}" ]; then
        export CHATTERLY_MOOD_EMOBANK_CSV="${CHATTERLY_MOOD_EMOBANK_CSV:-$EMOBANK_CSV}"
        return
    fi
    local dir candidate
    dir="$(pwd)"
    while [ "$dir" != "/" ]; do
        dir="$(dirname "$dir")"
        candidate="$dir/shared/data/emobank/emobank.csv"
        if [ -r "$candidate" ]; then break; fi
        candidate=""
    done
    if [ -z "$candidate" ] && [ -r /work/shared/data/emobank/emobank.csv ]; then
        candidate=/work/shared/data/emobank/emobank.csv
    fi
    if [ -z "$candidate" ]; then
        echo "EmoBank not found: put emobank.csv in ../shared/data/emobank/ beside the checkout, or set EMOBANK_CSV." >&2
        exit 1
    fi
    export EMOBANK_CSV="$candidate"
    export CHATTERLY_MOOD_EMOBANK_CSV="${CHATTERLY_MOOD_EMOBANK_CSV:-$candidate}"
}
