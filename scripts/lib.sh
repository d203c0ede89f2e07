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

# The directory of the newest installed PostgreSQL server binaries.
pg_bin_dir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
