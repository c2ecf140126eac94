#include "server/memory.h"

#include <chrono>
#include <thread>

#ifdef CSX_WITH_TCMALLOC
#include <gperftools/malloc_extension.h>
#else
#include <malloc.h>
#endif

namespace csx {

void ReleaseFreeMemory() {
#ifdef CSX_WITH_TCMALLOC
  // In steps of 1 MB with a pause between: tcmalloc holds its page heap
  // lock while it returns pages, so that every allocation in the process
  // waits. Returning 100 MB in one call stalled submissions for 180 ms.
  // The pause is ten times the step's own cost: each step unmaps 256 pages,
  // and the TLB flush that follows interrupts every core running the
  // node's threads. With 1 ms pauses, the 200 MB left by a bulk load took
  // a core for about 0.3 s and held unary submissions up to 74 ms.
  // What is free now, not what a busy process frees meanwhile: one round
  // never chases the allocations of a running pull.
  constexpr size_t kStep = 1 << 20;
  MallocExtension* m = MallocExtension::instance();
  size_t free_bytes = 0;
  if (!m->GetNumericProperty("tcmalloc.pageheap_free_bytes", &free_bytes)) {
    return;
  }
  for (size_t released = 0; released < free_bytes; released += kStep) {
    m->ReleaseToSystem(kStep);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
#else
  malloc_trim(0);
#endif
}

}  // namespace csx
