{
  # The CPU addon, built by node-gyp (at install when no prebuild matches) and by
  # prebuildify. Sources come from native/sources.json, shared with CMakeLists.txt.
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno", "-Wall", "-Wno-unused-parameter"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17"],
    "cflags!": ["-fno-exceptions"],
    "defines": [
      # Basic (GC-time) finalizers need the experimental Node-API version: storages are
      # then freed inside the GC pass, so code that never disposes stays bounded even in
      # a synchronous loop. Node >= 20.10 loads such a module.
      "NAPI_EXPERIMENTAL",
      "NODE_ADDON_API_DISABLE_DEPRECATED",
      "NAPI_CPP_EXCEPTIONS"
    ],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
  },
  "targets": [
    {
      "target_name": "tensorforge_avx2",
      "type": "static_library",
      # Only x86-64 builds compile these; elsewhere the library is empty and the portable
      # kernels are all there is (calls into it are guarded by TF_HAVE_AVX2_KERNELS).
      "sources": ["native/runtime/avx2_anchor.cc"],
      "conditions": [
        ["target_arch=='x64'", { "sources": ["<!@(node -p \"require('./native/sources.json').avx2.join(' ')\")"] }],
        ["target_arch=='x64' and OS!='win'", { "cflags_cc": ["-mavx2", "-mfma", "-fPIC"] }],
        ["target_arch=='x64' and OS=='win'", { "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } } }]
      ]
    },
    {
      "target_name": "tensorforge",
      "dependencies": ["tensorforge_avx2"],
      "sources": ["<!@(node -p \"require('./native/sources.json').portable.join(' ')\")"],
      "conditions": [
        ["target_arch=='x64'", { "defines": ["TF_HAVE_AVX2_KERNELS"] }]
      ]
    }
  ]
}
