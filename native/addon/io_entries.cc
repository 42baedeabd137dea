// Entry points of the io family (lib/io): file <-> storage transfers for safetensors.
// The file is opened and closed in JS (fs.openSync); these entries move one tensor's
// bytes at a time between the fd and native memory, with no copy through JS, and run
// the F16/BF16/I64 conversions over the bytes read.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "../kernels/cpu/io/convert.h"
#include "../runtime/file_io.h"
#include "common.h"

namespace tf {
namespace {

// Conversions read through a bounded scratch buffer, so a multi-GB F16 tensor never
// needs a second full-size copy.
constexpr int64_t kChunkElems = int64_t(1) << 22;

int arg_fd(napi_env env, napi_value v) {
  int64_t fd = arg_int(env, v);
  if (fd < 0 || fd > INT32_MAX) throw NativeError("ERR_TF_INTERNAL", "bad file descriptor");
  return static_cast<int>(fd);
}

size_t out_elem_size(FileConvert c) { return c == FileConvert::None ? 1 : 4; }

// Converts n file elements at src into dst (float32 or int32). Throws ERR_TF_RANGE
// naming the element (index base + i) when an int64 does not fit in int32.
void convert_block(FileConvert c, const uint8_t* src, void* dst, int64_t n, int64_t base) {
  if (c == FileConvert::F16ToF32) {
    f16_to_f32(src, static_cast<float*>(dst), n);
  } else if (c == FileConvert::BF16ToF32) {
    bf16_to_f32(src, static_cast<float*>(dst), n);
  } else {
    int64_t bad = i64_to_i32(src, static_cast<int32_t*>(dst), n);
    if (bad >= 0) {
      int64_t v;
      std::memcpy(&v, src + 8 * bad, 8);  // little-endian hosts (x86-64, arm64)
      throw NativeError("ERR_TF_RANGE", "element " + std::to_string(base + bad) + " is " + std::to_string(v) +
                                            ", outside int32's range [-2147483648, 2147483647]");
    }
  }
}

// nbytes bytes of the storage at argument i from the byte offset at argument i + 1,
// checked to lie inside it.
char* storage_bytes(const EntryArgs& args, size_t i, int64_t nbytes) {
  return static_cast<char*>(elements_in(args.storage(i), 1, args.integer(i + 1), nbytes, args.op(), "file transfer"));
}

// ioRead(fd, filePos, handle, byteOffset, fileBytes, convert) -> bytes read from the file.
// Reads fileBytes at filePos into the storage (converted when convert != 0). Fewer bytes
// than asked means the file ended early: the caller reports the truncation.
napi_value io_read(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ioRead");
  const int fd = arg_fd(env, args[0]);
  const int64_t pos = args.integer(1);
  const int64_t file_bytes = args.integer(4);
  const FileConvert conv = static_cast<FileConvert>(args.code(5, 4, "conversion"));
  if (pos < 0 || file_bytes < 0) throw NativeError("ERR_TF_INTERNAL", "negative file range");
  size_t in_size = conv == FileConvert::None ? 1 : file_elem_size(conv);
  if (file_bytes % static_cast<int64_t>(in_size) != 0) throw NativeError("ERR_TF_INTERNAL", "byte count is not a whole number of elements");
  int64_t n = file_bytes / static_cast<int64_t>(in_size);
  char* dst = storage_bytes(args, 2, n * static_cast<int64_t>(out_elem_size(conv)));
  size_t got = 0;
  if (conv == FileConvert::None) {
    got = pread_full(fd, dst, static_cast<size_t>(file_bytes), static_cast<uint64_t>(pos));
  } else {
    int64_t chunk = std::min(n, kChunkElems);
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[static_cast<size_t>(std::max<int64_t>(chunk, 1)) * in_size]);
    for (int64_t i = 0; i < n; i += chunk) {
      int64_t m = std::min(chunk, n - i);
      size_t want = static_cast<size_t>(m) * in_size;
      size_t r = pread_full(fd, scratch.get(), want, static_cast<uint64_t>(pos) + got);
      got += r;
      if (r < want) break;
      convert_block(conv, scratch.get(), dst + i * 4, m, i);
    }
  }
  return js_number(env, static_cast<double>(got));
}

// ioWrite(fd, filePos, handle, byteOffset, nbytes): writes a contiguous storage range.
napi_value io_write(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ioWrite");
  const int fd = arg_fd(env, args[0]);
  const int64_t pos = args.integer(1);
  const int64_t nbytes = args.integer(4);
  if (pos < 0) throw NativeError("ERR_TF_INTERNAL", "negative file position");
  const char* src = storage_bytes(args, 2, nbytes);
  pwrite_full(fd, src, static_cast<size_t>(nbytes), static_cast<uint64_t>(pos));
  return nullptr;
}

// ioConvert(convert, src typed array, handle, byteOffset): converts the bytes of an
// in-memory file (deserialize) into the storage.
napi_value io_convert(napi_env env, napi_callback_info info) {
  EntryArgs args(env, info, "ioConvert");
  const FileConvert conv = static_cast<FileConvert>(args.code(0, 4, "conversion"));
  if (conv == FileConvert::None) throw NativeError("ERR_TF_INTERNAL", "ioConvert needs a conversion");
  void* src;
  size_t bytes;
  arg_typed(env, args[1], &src, &bytes);
  size_t in_size = file_elem_size(conv);
  if (bytes % in_size != 0) throw NativeError("ERR_TF_INTERNAL", "byte count is not a whole number of elements");
  int64_t n = static_cast<int64_t>(bytes / in_size);
  char* dst = storage_bytes(args, 2, n * 4);
  convert_block(conv, static_cast<const uint8_t*>(src), dst, n, 0);
  return nullptr;
}

}  // namespace

void register_io_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "ioRead", guarded<io_read>);
  export_fn(env, exports, "ioWrite", guarded<io_write>);
  export_fn(env, exports, "ioConvert", guarded<io_convert>);
}

}  // namespace tf
