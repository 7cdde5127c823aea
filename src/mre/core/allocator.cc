// glibc mallopt settings; see allocator.h.
#include "mre/core/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mre {

void tune_allocator() {
#if defined(__GLIBC__)
  // glibc caps the mmap threshold at 32 MiB on 64-bit (a larger value is refused).
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);   // serve blocks up to 32 MiB from the heap
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);  // and keep up to 512 MiB of freed heap
#endif
}

}  // namespace mre
