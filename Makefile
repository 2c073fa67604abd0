# firstmile: the two quick-start commands are `make run` and `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
CONFIG     ?=
FUZZ_SECONDS ?= 20

.PHONY: run test test-asan build build-asan fuzz bench bench-latency setup format clean

run: build
	./$(BUILD)/firstmile $(if $(CONFIG),--config $(CONFIG),)

build:
	scripts/setup.sh build
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

test:
	scripts/setup.sh test
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

test-asan:
	scripts/setup.sh test
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFIRSTMILE_SANITIZE=ON -DFIRSTMILE_BENCH=OFF
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600

# libFuzzer targets (clang), each run for FUZZ_SECONDS over its committed seed corpus.
fuzz:
	scripts/setup.sh fuzz
	CXX=clang++-14 cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIRSTMILE_FUZZ=ON
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	scripts/run-fuzzers.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

bench: build
	scripts/setup.sh bench
	bench/run.sh $(BUILD)

# HLS latency per variant (bench/hls_latency.py): ffmpeg publishes, hls.js plays in headless Chromium.
bench-latency: build
	scripts/setup.sh test
	python3 bench/hls_latency.py --server $(BUILD)/firstmile

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
