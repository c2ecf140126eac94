// Returning the heap's free memory to the system. A bulk load or a large
// pull leaves the allocator holding what its peak needed; a node that then
// sits serving queries should not keep it resident.
#ifndef CSX_SERVER_MEMORY_H_
#define CSX_SERVER_MEMORY_H_

namespace csx {

// Hands the allocator's free pages back to the kernel (tcmalloc's
// ReleaseFreeMemory, glibc's malloc_trim). Cheap when there is little free.
void ReleaseFreeMemory();

}  // namespace csx

#endif  // CSX_SERVER_MEMORY_H_
