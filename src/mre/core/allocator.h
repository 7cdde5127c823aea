// Process-wide allocator tuning for the front ends (the `mre` binary, benchmarks): keep freed
// memory instead of returning it to the kernel after every large temporary. EM iterations
// allocate the same T x K matrices again and again; with glibc's defaults each one is a fresh
// mmap and hundreds of page faults (measured: 1.8x slower EM on this project's VM).
#pragma once

namespace mre {

// Idempotent; a no-op where the C library has no such knobs.
void tune_allocator();

}  // namespace mre
