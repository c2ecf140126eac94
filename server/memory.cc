#include "server/memory.h"

#ifdef CSX_WITH_TCMALLOC
#include <gperftools/malloc_extension.h>
#else
#include <malloc.h>
#endif

namespace csx {

void ReleaseFreeMemory() {
#ifdef CSX_WITH_TCMALLOC
  MallocExtension::instance()->ReleaseFreeMemory();
#else
  malloc_trim(0);
#endif
}

}  // namespace csx
