#include "file_io.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace tf {
namespace {

// Linux transfers at most 0x7ffff000 bytes per call; stay well under it so every
// platform's limit is respected and the loop handles the rest.
constexpr size_t kMaxChunk = size_t(1) << 30;

std::string errno_text(const char* what) {
  return std::string(what) + " failed: " + std::strerror(errno);
}

}  // namespace

size_t pread_full(int fd, void* dst, size_t nbytes, uint64_t pos) {
  char* p = static_cast<char*>(dst);
  size_t done = 0;
  while (done < nbytes) {
    size_t want = nbytes - done < kMaxChunk ? nbytes - done : kMaxChunk;
#ifdef _WIN32
    if (_lseeki64(fd, static_cast<__int64>(pos + done), SEEK_SET) < 0) throw std::runtime_error(errno_text("seek"));
    int got = _read(fd, p + done, static_cast<unsigned>(want));
#else
    ssize_t got = ::pread(fd, p + done, want, static_cast<off_t>(pos + done));
#endif
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(errno_text("read"));
    }
    if (got == 0) break;  // end of file
    done += static_cast<size_t>(got);
  }
  return done;
}

void pwrite_full(int fd, const void* src, size_t nbytes, uint64_t pos) {
  const char* p = static_cast<const char*>(src);
  size_t done = 0;
  while (done < nbytes) {
    size_t want = nbytes - done < kMaxChunk ? nbytes - done : kMaxChunk;
#ifdef _WIN32
    if (_lseeki64(fd, static_cast<__int64>(pos + done), SEEK_SET) < 0) throw std::runtime_error(errno_text("seek"));
    int put = _write(fd, p + done, static_cast<unsigned>(want));
#else
    ssize_t put = ::pwrite(fd, p + done, want, static_cast<off_t>(pos + done));
#endif
    if (put < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(errno_text("write"));
    }
    if (put == 0) throw std::runtime_error("write made no progress (disk full?)");
    done += static_cast<size_t>(put);
  }
}

}  // namespace tf
