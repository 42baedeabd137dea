// Positional reads and writes on a file descriptor (one Node opened with fs.openSync),
// looping over short transfers. Plain C++: no N-API. Errors are thrown as
// std::runtime_error with errno's text; a read that meets the end of the file early
// reports how many bytes it got instead of throwing, so callers can name the tensor.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tf {

// Reads up to nbytes at file offset `pos` into dst; returns the bytes read (less than
// nbytes only at the end of the file).
size_t pread_full(int fd, void* dst, size_t nbytes, uint64_t pos);
// Writes all nbytes at file offset `pos`.
void pwrite_full(int fd, const void* src, size_t nbytes, uint64_t pos);

}  // namespace tf
