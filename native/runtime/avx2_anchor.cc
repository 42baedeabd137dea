// Keeps the AVX2 static library non-empty on every architecture (some archivers refuse
// an empty library). The AVX2 kernels themselves are listed under "avx2" in
// native/sources.json and compiled only for x86-64.
namespace tf {
int avx2_library_anchor = 0;
}  // namespace tf
