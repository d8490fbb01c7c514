# Sourced by the benchmark scripts. live_bytes_of SIZES_FILE: the bytes of the
# tensors that `cairn_bench_save sizes` lists (lines "DTYPE NUMEL"), in full
# (%.0f: mawk's %d stops at 2^31-1).
live_bytes_of() {
  awk '{s += $2 * ($1 == "int64" ? 8 : $1 == "float32" ? 4 : $1 == "bfloat16" ? 2 : 1)} END {printf "%.0f", s}' "$1"
}
