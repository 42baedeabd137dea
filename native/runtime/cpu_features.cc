#include "cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define TF_X86 1
#endif
#include <unistd.h>

namespace tf {
namespace {

#ifdef TF_X86
unsigned long long read_xcr0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#ifdef TF_X86
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    bool osxsave = ecx & (1u << 27);
    bool fma = ecx & (1u << 12);
    bool avx = ecx & (1u << 28);
    bool ymm_enabled = osxsave && (read_xcr0() & 0x6) == 0x6;
    if (avx && ymm_enabled && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
      f.avx2 = ebx & (1u << 5);
      f.fma = fma;
      bool zmm_enabled = (read_xcr0() & 0xe6) == 0xe6;
      f.avx512f = zmm_enabled && (ebx & (1u << 16));
    }
  }
#endif
#ifdef _SC_LEVEL1_DCACHE_SIZE
  f.l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE);
  f.l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  f.l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (f.l1d < 0) f.l1d = 0;
  if (f.l2 < 0) f.l2 = 0;
  if (f.l3 < 0) f.l3 = 0;
#endif
  return f;
}

bool env_forces_portable() {
  const char* v = std::getenv("TENSORFORGE_FORCE_PORTABLE");
  return v && *v && std::strcmp(v, "0") != 0;
}

std::atomic<bool> g_force_portable{env_forces_portable()};

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool use_avx2() {
  const CpuFeatures& f = cpu_features();
  return f.avx2 && f.fma && !g_force_portable.load(std::memory_order_relaxed);
}
void set_force_portable(bool force) { g_force_portable.store(force); }
bool force_portable() { return g_force_portable.load(); }

}  // namespace tf
