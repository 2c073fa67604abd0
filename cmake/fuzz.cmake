# libFuzzer targets. Only the pure parsers (format/, media/codec/, protocol/*/wire/, the HTTP
# route matcher) are compiled here (no sockets, no Boost.Asio), so the fuzz build is quick and
# each target exercises exactly the code that reads peer input.
# Each tests/fuzz/<name>_fuzz.cpp becomes the executable fuzz_<name>; its seed corpus lives
# in tests/fuzz/corpus/<name>/.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FIRSTMILE_FUZZ needs clang (CXX=clang++-14)")
endif()
file(GLOB_RECURSE FUZZ_PURE_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/src/format/*.cpp
  ${CMAKE_SOURCE_DIR}/src/media/codec/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtmp/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/srt/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/http/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/output/segment_names.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/http/route_pattern.cpp)
add_library(fuzz_pure STATIC ${FUZZ_PURE_SOURCES})
target_include_directories(fuzz_pure PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_options(fuzz_pure PUBLIC -fsanitize=fuzzer-no-link,address,undefined -g)
find_package(OpenSSL REQUIRED)
target_link_libraries(fuzz_pure PUBLIC OpenSSL::Crypto)

file(GLOB FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*_fuzz.cpp)
foreach(src ${FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" short ${name})
  add_executable(fuzz_${short} ${src})
  target_link_libraries(fuzz_${short} PRIVATE fuzz_pure)
  target_link_options(fuzz_${short} PRIVATE -fsanitize=fuzzer,address,undefined)
endforeach()
