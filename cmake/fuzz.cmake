# libFuzzer targets. Only the pure parsers (format/, media/codec/, protocol/*/wire/, the HTTP
# route matcher, FlvIngest, the control plane's token and webhook-answer checks, the object
# store's answers and the spool's files) are compiled
# into fuzz_pure (no sockets), so the fuzz build is quick and each target exercises exactly the
# code that reads peer input. Two targets need more, in libraries of their own:
#  - fuzzlib_http: the route table (protocol/http/router.cpp), which compiles against Beast's
#    request types but opens nothing;
#  - fuzzlib_config: the configuration schema and every module's keys (yaml-cpp, spdlog; the UDP
#    section parses listen addresses with Boost.Asio's address parser, the RTSP section its
#    port range).
# Each tests/fuzz/<name>_fuzz.cpp becomes the executable fuzz_<name>; its seed corpus lives
# in tests/fuzz/corpus/<name>/.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FIRSTMILE_FUZZ needs clang (CXX=clang++-14)")
endif()
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS json url)
find_package(OpenSSL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)

file(GLOB_RECURSE FUZZ_PURE_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/src/core/base64.cpp
  ${CMAKE_SOURCE_DIR}/src/format/*.cpp
  ${CMAKE_SOURCE_DIR}/src/media/codec/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtmp/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/srt/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/http/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtsp/wire/*.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/pull/source_url.cpp
  ${CMAKE_SOURCE_DIR}/src/output/segment_names.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/http/route_pattern.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtmp/flv_ingest.cpp
  ${CMAKE_SOURCE_DIR}/src/control/crypto.cpp
  ${CMAKE_SOURCE_DIR}/src/control/play_token.cpp
  ${CMAKE_SOURCE_DIR}/src/control/webhook_answer.cpp
  ${CMAKE_SOURCE_DIR}/src/storage/s3_answer.cpp
  ${CMAKE_SOURCE_DIR}/src/storage/sigv4.cpp
  ${CMAKE_SOURCE_DIR}/src/storage/spool.cpp)
add_library(fuzz_pure STATIC ${FUZZ_PURE_SOURCES})
target_include_directories(fuzz_pure PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_options(fuzz_pure PUBLIC -fsanitize=fuzzer-no-link,address,undefined -g)
target_link_libraries(fuzz_pure PUBLIC OpenSSL::Crypto Boost::headers Boost::json Boost::url)

add_library(fuzzlib_http STATIC
  ${CMAKE_SOURCE_DIR}/src/protocol/http/router.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/http/response.cpp)
target_compile_definitions(fuzzlib_http PRIVATE FIRSTMILE_VERSION="${PROJECT_VERSION}")
target_link_libraries(fuzzlib_http PUBLIC fuzz_pure)

add_library(fuzzlib_config STATIC
  ${CMAKE_SOURCE_DIR}/src/app/server_schema.cpp
  ${CMAKE_SOURCE_DIR}/src/core/config.cpp
  ${CMAKE_SOURCE_DIR}/src/core/config_schema.cpp
  ${CMAKE_SOURCE_DIR}/src/core/log.cpp
  ${CMAKE_SOURCE_DIR}/src/core/net.cpp
  ${CMAKE_SOURCE_DIR}/src/control/control_config.cpp
  ${CMAKE_SOURCE_DIR}/src/control/url.cpp
  ${CMAKE_SOURCE_DIR}/src/output/fanout_config.cpp
  ${CMAKE_SOURCE_DIR}/src/output/hls/hls_config.cpp
  ${CMAKE_SOURCE_DIR}/src/output/dash/dash_config.cpp
  ${CMAKE_SOURCE_DIR}/src/output/record/record_config.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/http/http_config.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtmp/rtmp_config.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/pull/pull_config.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtsp/rtsp_config.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/rtsp/udp_port_pool.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/srt/srt_config.cpp
  ${CMAKE_SOURCE_DIR}/src/protocol/udp/udp_config.cpp
  ${CMAKE_SOURCE_DIR}/src/storage/s3_config.cpp
  ${CMAKE_SOURCE_DIR}/src/storage/s3_location.cpp)
target_compile_definitions(fuzzlib_config PUBLIC SPDLOG_FMT_EXTERNAL
  PRIVATE FIRSTMILE_VERSION="${PROJECT_VERSION}")
target_link_libraries(fuzzlib_config PUBLIC fuzz_pure yaml-cpp spdlog::spdlog)

# Targets that need more than fuzz_pure.
set(FUZZ_LIBS_http_target fuzzlib_http)
set(FUZZ_LIBS_config fuzzlib_config)
set(FUZZ_LIBS_keys_file fuzzlib_config)

file(GLOB FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*_fuzz.cpp)
foreach(src ${FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" short ${name})
  add_executable(fuzz_${short} ${src})
  target_link_libraries(fuzz_${short} PRIVATE fuzz_pure ${FUZZ_LIBS_${short}})
  target_link_options(fuzz_${short} PRIVATE -fsanitize=fuzzer,address,undefined)
endforeach()
