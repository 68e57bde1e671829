// DML_VECTOR_CLONES: compile a hot element-wise loop once per vector unit.
// The build targets baseline x86-64 (SSE2) so that binaries run anywhere;
// a function marked with it is cloned for AVX2+FMA and AVX-512 and the
// dynamic loader picks the best clone for the CPU at start-up (an ifunc).
// Files that use it are compiled with -O3 -fno-math-errno (see their
// CMakeLists.txt) so that the loops, sqrt included, are vectorised. It lives
// here, in the lowest layer with such loops (the allreduce's sum); the
// training kernels above use it too.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DML_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DML_VECTOR_CLONES
#endif
