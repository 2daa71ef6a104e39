#!/usr/bin/env bash
# Builds nodecast's filter plugins into WebAssembly components.
#
#   plugins/build.sh          build every plugin, copy it to plugins/dist/<name>.wasm
#                             and write plugins/dist/MANIFEST
#   plugins/build.sh --check  rebuild every plugin into a temporary folder and fail
#                             when plugins/dist no longer matches its sources
#
# MANIFEST has one line per component: its name, the sha256 of its sources and
# the sha256 of its .wasm. The sources of a component are every file of its
# folder (plugins/<name>/, build outputs excluded) plus wit/filter.wit,
# plugins/Cargo.toml, plugins/Cargo.lock and this script, hashed in a stable
# order (paths sorted bytewise, each path with the sha256 of its content).
#
# --check is exact: the build is bit-for-bit reproducible (same toolchain, any
# checkout folder: paths are remapped, symbols stripped), so it fails when
#   - a source hash no longer matches MANIFEST (sources changed, dist not rebuilt),
#   - a committed .wasm does not match its MANIFEST hash,
#   - a rebuilt component differs from the committed one.
# The one exception: the Debian archive keeps only the newest rustc-web, so the
# toolchain can move under us. MANIFEST records the toolchain that built dist/;
# when the toolchain of the check differs, a rebuilt component that differs is
# reported as a warning only (source hashes are still enforced).
#
# Toolchain: rustup's wasm32-unknown-unknown (or wasm32-wasip2) target when
# installed; otherwise Debian's rustc-web (with its std sources and
# wasm-component-ld) unpacked into plugins/.toolchain/ (never installed over
# /usr/bin), linking with Debian's lld-N. The C example needs clang-N,
# libclang-rt-N-dev-wasm32 and wasi-libc from Debian, and wit-bindgen-cli (same
# minor version as the wit-bindgen crate) installed into plugins/.tools/.
# Whatever is missing is installed; whatever is there is reused.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WIT_DIR=$ROOT/wit
TC=$HERE/.toolchain
TOOLS=$HERE/.tools
DIST=$HERE/dist
export CARGO_TARGET_DIR=$HERE/target

RUST_PLUGINS=(label-prefix-filter transitions-only severity-tagger loop-forever alloc-bomb trap init-fails hoard-views)
C_PLUGINS=(c-keep-ready)
WIT_BINDGEN_SERIES=0.61 # keep in step with the wit-bindgen crate version of the plugins

MODE=build
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "build.sh: unknown argument '$1' (use --check or nothing)" >&2; exit 2 ;;
esac

say() { echo "build.sh: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }

case "$HERE" in *[[:space:]]*) die "the plugins folder path must not contain blanks: $HERE" ;; esac

# ---------------------------------------------------------------- sources

# The sha256 of a component's sources (see the header).
source_hash() {
  local dir=$1
  (
    cd "$ROOT"
    {
      find "plugins/$dir" -type f -not -path '*/target/*' -print
      printf '%s\n' wit/filter.wit plugins/Cargo.toml plugins/Cargo.lock plugins/build.sh
    } | LC_ALL=C sort -u | while IFS= read -r f; do
      [ -f "$f" ] || { echo "missing $f"; continue; }
      printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
    done
  ) | sha256sum | cut -d' ' -f1
}

file_hash() { sha256sum <"$1" | cut -d' ' -f1; }

# ------------------------------------------------------------- apt helpers

APT_UPDATED=0
apt_install() { # packages...
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "need Debian packages ${missing[*]} but apt-get is not available"
  apt_update
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}
apt_update() {
  [ "$APT_UPDATED" = 1 ] && return 0
  say "apt-get update"
  apt-get update -qq >/dev/null || die "apt-get update failed"
  APT_UPDATED=1
}

# -------------------------------------------------------- Rust toolchain

RUST_MODE=      # rustup-unknown | rustup-wasip2 | debian
RUST_TARGET=wasm32-unknown-unknown
LLVM_MAJOR=
declare -a CARGO_ENV=()
declare -a CARGO_FLAGS=()

rustc_llvm_major() { "$@" -vV | awk '/^LLVM version:/{split($3,v,".");print v[1]}'; }

setup_rust() {
  local installed=""
  if command -v rustup >/dev/null; then
    installed=$(rustup target list --installed 2>/dev/null || true)
  fi
  # Paths in panic messages etc. are remapped so that the output does not
  # depend on where the repository or the cargo home is.
  local cargo_home=${CARGO_HOME:-$HOME/.cargo}
  local remap="--remap-path-prefix=$HERE=/nodecast/plugins --remap-path-prefix=$ROOT=/nodecast --remap-path-prefix=$cargo_home=/cargo"

  if grep -qx wasm32-unknown-unknown <<<"$installed"; then
    RUST_MODE=rustup-unknown
    local sysroot host
    sysroot=$(rustc --print sysroot)
    host=$(rustc -vV | awk '/^host:/{print $2}')
    LLVM_MAJOR=$(rustc_llvm_major rustc)
    local linker=$sysroot/lib/rustlib/$host/bin/wasm-component-ld
    [ -x "$linker" ] || die "rustup toolchain has no $linker"
    apt_install "lld-$LLVM_MAJOR"
    local flags="-Clink-arg=--wasm-ld-path=/usr/lib/llvm-$LLVM_MAJOR/bin/wasm-ld $remap"
    CARGO_ENV=(CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$linker"
               CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags")
    CARGO_FLAGS=()
    say "Rust: rustup target wasm32-unknown-unknown ($(rustc --version))"
    return
  fi
  if grep -qx wasm32-wasip2 <<<"$installed"; then
    # wasip2 links to a component by itself. Its std may import WASI interfaces
    # that nodecast does not provide: the import check below catches that.
    RUST_MODE=rustup-wasip2
    RUST_TARGET=wasm32-wasip2
    LLVM_MAJOR=$(rustc_llvm_major rustc)
    CARGO_ENV=(CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="$remap")
    CARGO_FLAGS=()
    say "Rust: rustup target wasm32-wasip2 ($(rustc --version))"
    return
  fi

  RUST_MODE=debian
  local root=$TC/root
  local rustc=$root/usr/bin/rustc
  local libdir=$root/usr/lib/x86_64-linux-gnu
  if ! LD_LIBRARY_PATH=$libdir "$rustc" -vV >/dev/null 2>&1 \
      || [ ! -d "$root/usr/lib/rustlib/src/rust/library" ] \
      || [ ! -x "$root/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld" ]; then
    command -v apt-get >/dev/null || die "no wasm32 rustup target and no apt-get for Debian's rustc-web"
    apt_update
    local std
    std=$(apt-cache depends libstd-rust-web-dev | awk '/Depends: libstd-rust-web-[0-9]/{print $2;exit}')
    [ -n "$std" ] || die "cannot find the libstd-rust-web-N package that libstd-rust-web-dev depends on"
    # rustc's driver links against Debian's libLLVM of the same major: install
    # it (through lld-N) before the first run.
    LLVM_MAJOR=$(apt-cache depends "$std" | awk '/Depends: libllvm[0-9]+$/{sub("libllvm","",$2);print $2;exit}')
    [ -n "$LLVM_MAJOR" ] || die "cannot tell which libllvm $std needs"
    apt_install "lld-$LLVM_MAJOR"
    say "fetching Debian's rustc-web toolchain into $TC"
    rm -rf "$TC/debs" "$root"
    mkdir -p "$TC/debs" "$root"
    (cd "$TC/debs" && apt-get download -qq rustc-web libstd-rust-web-dev "$std" rust-web-src rust-web-llvm 2>&1 \
        | grep -v "couldn't be accessed by user '_apt'" >&2 || true)
    local d n=0
    for d in "$TC"/debs/*.deb; do [ -f "$d" ] && dpkg -x "$d" "$root" && n=$((n+1)); done
    [ "$n" -ge 5 ] || die "apt-get download of the rustc-web packages failed (got $n of 5 packages)"
    rm -rf "$TC/debs"
    LD_LIBRARY_PATH=$libdir "$rustc" -vV >/dev/null || die "the unpacked rustc does not run"
  fi
  LLVM_MAJOR=$(LD_LIBRARY_PATH=$libdir rustc_llvm_major "$rustc")
  apt_install "lld-$LLVM_MAJOR"
  local wasm_ld=/usr/lib/llvm-$LLVM_MAJOR/bin/wasm-ld
  [ -x "$wasm_ld" ] || die "$wasm_ld is missing (package lld-$LLVM_MAJOR)"
  CARGO_ENV=(RUSTC="$rustc"
             LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
             RUSTC_BOOTSTRAP=1
             CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$root/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld"
             CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Clink-arg=--wasm-ld-path=$wasm_ld $remap")
  CARGO_FLAGS=(-Zbuild-std=std,panic_abort)
  say "Rust: Debian $(LD_LIBRARY_PATH=$libdir "$rustc" --version) from $TC, wasm-ld $LLVM_MAJOR"
}

rust_version() {
  if [ "$RUST_MODE" = debian ]; then
    LD_LIBRARY_PATH=$TC/root/usr/lib/x86_64-linux-gnu "$TC/root/usr/bin/rustc" --version
  else
    rustc --version
  fi
}

build_rust() { # outdir
  local out=$1 locked=()
  [ "$MODE" = check ] && locked=(--locked)
  say "building the Rust plugins ($RUST_TARGET)"
  (cd "$HERE" && env "${CARGO_ENV[@]}" cargo build -q --release "${locked[@]}" --target "$RUST_TARGET" "${CARGO_FLAGS[@]}" \
      $(printf -- '-p %s ' "${RUST_PLUGINS[@]}")) || die "cargo build failed"
  local p
  for p in "${RUST_PLUGINS[@]}"; do
    cp "$CARGO_TARGET_DIR/$RUST_TARGET/release/${p//-/_}.wasm" "$out/$p.wasm"
  done
}

# ----------------------------------------------------------- C toolchain

CLANG=
WASM_COMPONENT_LD=
WIT_BINDGEN=$TOOLS/bin/wit-bindgen

setup_c() {
  [ -n "$LLVM_MAJOR" ] || LLVM_MAJOR=22
  apt_install "clang-$LLVM_MAJOR" "lld-$LLVM_MAJOR" "libclang-rt-$LLVM_MAJOR-dev-wasm32" wasi-libc
  CLANG=clang-$LLVM_MAJOR
  command -v "$CLANG" >/dev/null || die "$CLANG not found after installing it"
  if [ "$RUST_MODE" = debian ]; then
    WASM_COMPONENT_LD=$TC/root/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld
  else
    WASM_COMPONENT_LD=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | awk '/^host:/{print $2}')/bin/wasm-component-ld
  fi
  [ -x "$WASM_COMPONENT_LD" ] || die "no wasm-component-ld at $WASM_COMPONENT_LD"
  if ! "$WIT_BINDGEN" --version 2>/dev/null | grep -q "^wit-bindgen-cli $WIT_BINDGEN_SERIES\."; then
    say "installing wit-bindgen-cli $WIT_BINDGEN_SERIES.x (C generator only) into $TOOLS (a few minutes, once)"
    cargo install -q --locked wit-bindgen-cli --version "~$WIT_BINDGEN_SERIES" \
      --no-default-features --features c --root "$TOOLS" || die "cargo install wit-bindgen-cli failed"
  fi
  say "C: $("$CLANG" --version | head -1), $("$WIT_BINDGEN" --version)"
}

build_c() { # outdir
  local out=$1 p work
  local libc=/usr/lib/wasm32-wasi/libc.a
  local builtins=/usr/lib/llvm-$LLVM_MAJOR/lib/clang/$LLVM_MAJOR/lib/wasi/libclang_rt.builtins-wasm32.a
  [ -f "$libc" ] || die "$libc is missing (package wasi-libc)"
  [ -f "$builtins" ] || die "$builtins is missing (package libclang-rt-$LLVM_MAJOR-dev-wasm32)"
  local cflags=(--target=wasm32-wasip1 -Os -nostdinc
                -isystem "/usr/lib/llvm-$LLVM_MAJOR/lib/clang/$LLVM_MAJOR/include"
                -isystem /usr/include/wasm32-wasi
                -Wall -Wextra -Werror)
  for p in "${C_PLUGINS[@]}"; do
    say "building $p (C)"
    work=$CARGO_TARGET_DIR/c/$p
    rm -rf "$work" && mkdir -p "$work"
    # A call must not return while the guest still holds the event it was
    # lent (wasmtime traps it); autodrop makes the bindings give it back.
    "$WIT_BINDGEN" c "$WIT_DIR" --world filter --autodrop-borrows yes --out-dir "$work" >/dev/null 2>&1 \
      || die "wit-bindgen c failed for $p"
    local objs=() src
    "$CLANG" "${cflags[@]}" -I "$work" -c "$work/filter.c" -o "$work/filter.o"
    for src in "$HERE/$p"/*.c; do
      "$CLANG" "${cflags[@]}" -I "$work" -c "$src" -o "$work/$(basename "$src" .c).o"
      objs+=("$work/$(basename "$src" .c).o")
    done
    # No WASI adapter: the component must import nothing but nodecast's types.
    "$WASM_COMPONENT_LD" --wasm-ld-path "/usr/lib/llvm-$LLVM_MAJOR/bin/wasm-ld" --wasi-adapter none \
      --no-entry --strip-all --gc-sections -o "$out/$p.wasm" \
      "${objs[@]}" "$work/filter.o" "$work/filter_component_type.o" "$libc" "$builtins" \
      || die "linking $p failed"
  done
}

# ---------------------------------------------------------------- checks

check_component() { # file
  local f=$1
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 0061736d0d000100 ] \
    || die "$f is not a WebAssembly component (expected \\0asm 0d 00 01 00)"
  # nodecast links no WASI: any wasi: import would make instantiation fail.
  if LC_ALL=C grep -aq 'wasi:' "$f"; then
    die "$f refers to a wasi: interface; nodecast provides none"
  fi
  if [ -x "$TOOLS/bin/wasm-tools" ]; then
    "$TOOLS/bin/wasm-tools" validate --features all "$f" || die "$f does not validate"
  fi
}

toolchain_line() {
  local line
  line="rust=$(rust_version | awk '{print $2"-"$3}' | tr -d '()') target=$RUST_TARGET"
  line+=" clang=$("$CLANG" --version | sed -n 's/.*clang version \([^ ]*\).*/\1/p' | head -1)"
  line+=" wasm-ld=$("/usr/lib/llvm-$LLVM_MAJOR/bin/wasm-ld" --version | sed -n 's/.*LLD \([^ ]*\).*/\1/p' | head -1)"
  line+=" wasi-libc=$(dpkg-query -W -f='${Version}' wasi-libc 2>/dev/null || echo unknown)"
  line+=" $("$WIT_BINDGEN" --version | tr ' ' '=')"
  echo "$line"
}

build_all() { # outdir
  local out=$1 p
  mkdir -p "$out"
  build_rust "$out"
  build_c "$out"
  for p in "${RUST_PLUGINS[@]}" "${C_PLUGINS[@]}"; do check_component "$out/$p.wasm"; done
}

write_manifest() {
  local m=$DIST/MANIFEST p
  {
    echo "# nodecast filter plugin components: written by plugins/build.sh, checked by plugins/build.sh --check."
    echo "# toolchain: $(toolchain_line)"
    echo "# name sources-sha256 wasm-sha256"
    for p in "${RUST_PLUGINS[@]}" "${C_PLUGINS[@]}"; do
      echo "$p $(source_hash "$p") $(file_hash "$DIST/$p.wasm")"
    done
  } >"$m.tmp"
  mv "$m.tmp" "$m"
}

# ------------------------------------------------------------------ main

START=$SECONDS

if [ "$MODE" = build ]; then
  setup_rust
  setup_c
  TMP_OUT=$(mktemp -d)
  trap 'rm -rf "$TMP_OUT"' EXIT
  build_all "$TMP_OUT"
  mkdir -p "$DIST"
  for p in "${RUST_PLUGINS[@]}" "${C_PLUGINS[@]}"; do
    cp "$TMP_OUT/$p.wasm" "$DIST/$p.wasm.tmp" && mv "$DIST/$p.wasm.tmp" "$DIST/$p.wasm"
  done
  write_manifest
  say "wrote $(cd "$ROOT" && echo plugins/dist): $(( ${#RUST_PLUGINS[@]} + ${#C_PLUGINS[@]} )) components + MANIFEST in $((SECONDS-START)) s"
  exit 0
fi

# --check
M=$DIST/MANIFEST
[ -f "$M" ] || die "no plugins/dist/MANIFEST: run plugins/build.sh and commit plugins/dist"
declare -A WANT_SRC=() WANT_WASM=()
while read -r name src wasm; do
  case "$name" in ''|'#'*) continue ;; esac
  WANT_SRC[$name]=$src
  WANT_WASM[$name]=$wasm
done <"$M"
OLD_TOOLCHAIN=$(sed -n 's/^# toolchain: //p' "$M")

fail=0
for p in "${RUST_PLUGINS[@]}" "${C_PLUGINS[@]}"; do
  if [ -z "${WANT_SRC[$p]:-}" ]; then
    say "FAIL $p: not listed in plugins/dist/MANIFEST"; fail=1; continue
  fi
  if [ "$(source_hash "$p")" != "${WANT_SRC[$p]}" ]; then
    say "FAIL $p: its sources changed since plugins/dist was built (source hash differs from MANIFEST)"; fail=1
  fi
  if [ ! -f "$DIST/$p.wasm" ]; then
    say "FAIL $p: plugins/dist/$p.wasm is missing"; fail=1
  elif [ "$(file_hash "$DIST/$p.wasm")" != "${WANT_WASM[$p]}" ]; then
    say "FAIL $p: plugins/dist/$p.wasm does not match its MANIFEST hash"; fail=1
  fi
done
for p in "${!WANT_SRC[@]}"; do
  [[ " ${RUST_PLUGINS[*]} ${C_PLUGINS[*]} " == *" $p "* ]] || { say "FAIL $p: in MANIFEST but not built by build.sh"; fail=1; }
done
if [ "$fail" != 0 ]; then
  die "plugins/dist is out of date: run plugins/build.sh and commit plugins/dist (and plugins/Cargo.lock)"
fi

setup_rust
setup_c
NEW_TOOLCHAIN=$(toolchain_line)
TMP_OUT=$(mktemp -d)
trap 'rm -rf "$TMP_OUT"' EXIT
build_all "$TMP_OUT"
differ=()
for p in "${RUST_PLUGINS[@]}" "${C_PLUGINS[@]}"; do
  cmp -s "$TMP_OUT/$p.wasm" "$DIST/$p.wasm" || differ+=("$p")
done
if [ ${#differ[@]} -gt 0 ]; then
  if [ "$NEW_TOOLCHAIN" = "$OLD_TOOLCHAIN" ]; then
    die "rebuilt components differ from plugins/dist with the same toolchain: ${differ[*]} (run plugins/build.sh and commit plugins/dist)"
  fi
  say "WARNING: rebuilt components differ from plugins/dist: ${differ[*]}"
  say "WARNING: but the toolchain changed (dist: $OLD_TOOLCHAIN; now: $NEW_TOOLCHAIN), so this is expected; sources match MANIFEST"
fi
say "OK: plugins/dist matches its sources ($(( ${#RUST_PLUGINS[@]} + ${#C_PLUGINS[@]} )) components, $((SECONDS-START)) s)"
