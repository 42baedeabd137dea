// CPU feature detection, done once at load. Kernels pick their implementation from
// these flags, so a prebuilt binary never runs an instruction the CPU lacks.
#pragma once

namespace tf {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  // Cache sizes in bytes (0 when unknown); GEMM blocking reads them.
  long l1d = 0, l2 = 0, l3 = 0;
};

const CpuFeatures& cpu_features();

// True when the AVX2+FMA kernels may run: the CPU has them and the user did not force
// the portable kernels (TENSORFORGE_FORCE_PORTABLE=1 or setPortableKernels(true)).
bool use_avx2();
void set_force_portable(bool force);
bool force_portable();

}  // namespace tf
