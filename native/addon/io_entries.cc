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

FileConvert arg_convert(napi_env env, napi_value v) {
  int64_t c = arg_int(env, v);
  if (c < 0 || c > 3) throw NativeError("ERR_TF_INTERNAL", "unknown conversion");
  return static_cast<FileConvert>(c);
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

Storage* checked_range(napi_env env, napi_value handle, int64_t off, int64_t nbytes) {
  Storage* s = storage_of(env, handle);
  if (off < 0 || nbytes < 0 || static_cast<uint64_t>(off) + static_cast<uint64_t>(nbytes) > s->nbytes)
    throw NativeError("ERR_TF_INTERNAL", "file transfer past the end of a storage");
  return s;
}

// ioRead(fd, filePos, handle, byteOffset, fileBytes, convert) -> bytes read from the file.
// Reads fileBytes at filePos into the storage (converted when convert != 0). Fewer bytes
// than asked means the file ended early: the caller reports the truncation.
napi_value io_read(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  get_args(env, info, argv);
  int fd = arg_fd(env, argv[0]);
  int64_t pos = arg_int(env, argv[1]);
  int64_t off = arg_int(env, argv[3]);
  int64_t file_bytes = arg_int(env, argv[4]);
  FileConvert conv = arg_convert(env, argv[5]);
  if (pos < 0 || file_bytes < 0) throw NativeError("ERR_TF_INTERNAL", "negative file range");
  size_t in_size = conv == FileConvert::None ? 1 : file_elem_size(conv);
  if (file_bytes % static_cast<int64_t>(in_size) != 0) throw NativeError("ERR_TF_INTERNAL", "byte count is not a whole number of elements");
  int64_t n = file_bytes / static_cast<int64_t>(in_size);
  Storage* s = checked_range(env, argv[2], off, n * static_cast<int64_t>(out_elem_size(conv)));
  char* dst = static_cast<char*>(s->data) + off;
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
  napi_value out;
  check(napi_create_double(env, static_cast<double>(got), &out), "create_double");
  return out;
}

// ioWrite(fd, filePos, handle, byteOffset, nbytes): writes a contiguous storage range.
napi_value io_write(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  get_args(env, info, argv);
  int fd = arg_fd(env, argv[0]);
  int64_t pos = arg_int(env, argv[1]);
  int64_t off = arg_int(env, argv[3]);
  int64_t nbytes = arg_int(env, argv[4]);
  if (pos < 0) throw NativeError("ERR_TF_INTERNAL", "negative file position");
  Storage* s = checked_range(env, argv[2], off, nbytes);
  pwrite_full(fd, static_cast<char*>(s->data) + off, static_cast<size_t>(nbytes), static_cast<uint64_t>(pos));
  return nullptr;
}

// ioConvert(convert, src typed array, handle, byteOffset): converts the bytes of an
// in-memory file (deserialize) into the storage.
napi_value io_convert(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  get_args(env, info, argv);
  FileConvert conv = arg_convert(env, argv[0]);
  if (conv == FileConvert::None) throw NativeError("ERR_TF_INTERNAL", "ioConvert needs a conversion");
  void* src;
  size_t bytes;
  arg_typed(env, argv[1], &src, &bytes);
  size_t in_size = file_elem_size(conv);
  if (bytes % in_size != 0) throw NativeError("ERR_TF_INTERNAL", "byte count is not a whole number of elements");
  int64_t n = static_cast<int64_t>(bytes / in_size);
  int64_t off = arg_int(env, argv[3]);
  Storage* s = checked_range(env, argv[2], off, n * 4);
  convert_block(conv, static_cast<const uint8_t*>(src), static_cast<char*>(s->data) + off, n, 0);
  return nullptr;
}

}  // namespace

void register_io_entries(napi_env env, napi_value exports) {
  export_fn(env, exports, "ioRead", guarded<io_read>);
  export_fn(env, exports, "ioWrite", guarded<io_write>);
  export_fn(env, exports, "ioConvert", guarded<io_convert>);
}

}  // namespace tf
