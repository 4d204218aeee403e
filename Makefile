# SPDX-License-Identifier: MIT
# The front door. `make test` installs what is missing (Debian), builds alloy natively
# and for wasm32-wasi, runs every test of both and ends with "N passed, N failed".
# MESON_ARGS reaches every `meson setup` (CI passes -Dwerror=true).

BUILD ?= build
MESON_ARGS ?=
NATIVE := $(BUILD)/native
WASM := $(BUILD)/wasm
# a native build with the other options switched, so that each choice is tested
OPTIONS := $(BUILD)/options
PACKAGES := meson ninja-build python3 pkg-config gcc libc6-dev clang lld llvm wasi-libc \
            libclang-rt-14-dev-wasm32 libclang-rt-14-dev libcriterion-dev nodejs \
            binaryen valgrind doxygen
# what make bench adds: the chart plotter and the two peers it compares against
BENCH_PACKAGES := gnuplot-nox libmimalloc-dev libjemalloc-dev
BENCH_OUT := $(BUILD)/bench
# the checkers' builds (make hardening)
ASAN := $(BUILD)/asan
VALGRIND := $(BUILD)/valgrind
CLANG := $(BUILD)/clang
TSAN := $(BUILD)/tsan
FUZZ := $(BUILD)/fuzz
# the meson options' other choices that change what the library does: statistics
# compiled out (the tests that check them report themselves skipped), and bumpfree
# as the default strategy (the default instance and malloc)
NOSTATS := $(BUILD)/nostats
NOSTATS_WASM := $(BUILD)/wasm-nostats
BUMPFREE := $(BUILD)/bumpfree
RELEASE := $(BUILD)/release
# UBSan only prints unless told to stop
export UBSAN_OPTIONS := halt_on_error=1:print_stacktrace=1

.PHONY: all test size bench docs hardening deps configure build clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "alloy needs: sudo apt-get install -y --no-install-recommends $$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/wasm-paths.ini:
	@mkdir -p $(BUILD)
	@printf "[constants]\nalloy_source = '%s'\n" "$(CURDIR)" > $@

$(NATIVE)/build.ninja:
	meson setup $(NATIVE) $(MESON_ARGS)

$(OPTIONS)/build.ninja:
	meson setup $(OPTIONS) -Dheap=static -Dheap_size=262144 -Daudit_sizes=true -Dchecked=true $(MESON_ARGS)

$(WASM)/build.ninja: $(BUILD)/wasm-paths.ini
	meson setup $(WASM) --cross-file $(BUILD)/wasm-paths.ini --cross-file cross/wasm32-wasi.ini $(MESON_ARGS)

configure: deps $(NATIVE)/build.ninja $(WASM)/build.ninja $(OPTIONS)/build.ninja

build: configure
	meson compile -C $(NATIVE)
	meson compile -C $(WASM)
	meson compile -C $(OPTIONS)

test: build
	-meson test -C $(NATIVE) --print-errorlogs
	-meson test -C $(WASM) --print-errorlogs
	-meson test -C $(OPTIONS) --print-errorlogs stats_test default_test readme_example frame_instances malloc_misuse
	@python3 tests/scripts/summary.py $(NATIVE) $(WASM) $(OPTIONS)

# wasm Code-section bytes of minimal modules per strategy, against dlmalloc
size: build
	@meson compile -C $(WASM) size | grep -v '^\[\|^INFO\|^ninja'

# The strategy comparison: every workload in bench/ on alloy's strategies, glibc,
# jemalloc and mimalloc natively, and on alloy and dlmalloc in wasm under Node; the
# tables on stdout and in $(BENCH_OUT)/report.md, charts beside it (bench/run.py).
# QUICK=1: every workload once at reduced size (seconds). CALLGRIND=1: instruction
# counts and cycles estimated from a simulated cache under valgrind instead of times
# (native, reduced sizes). TRACE=file: only
# a trace of your own program (docs/choosing-a-strategy.md says how to record one).
# Each of these writes its report in a folder of its own below $(BENCH_OUT) (quick/,
# callgrind/, trace/), so none overwrites the full report.
bench:
	@$(MAKE) --no-print-directory deps PACKAGES="$(PACKAGES) $(BENCH_PACKAGES)"
	@$(MAKE) --no-print-directory $(NATIVE)/build.ninja $(WASM)/build.ninja
	@# a build configured before the peers were installed has no programs for them,
	@# and meson keeps its cached answer for their headers: set it up afresh
	@grep -q bench_mimalloc $(NATIVE)/build.ninja || ! dpkg -s libmimalloc-dev >/dev/null 2>&1 || \
	  meson setup --wipe $(NATIVE) $(MESON_ARGS) >/dev/null
	meson compile -C $(NATIVE)
	meson compile -C $(WASM)
	python3 bench/run.py --native $(NATIVE) --wasm $(WASM) \
	  --out $(BENCH_OUT)$(if $(QUICK),/quick)$(if $(CALLGRIND),/callgrind)$(if $(TRACE),/trace) \
	  $(if $(QUICK),--quick) $(if $(CALLGRIND),--callgrind) $(if $(TRACE),--trace $(TRACE))

# The API reference: Doxygen's HTML of the public headers' comments (docs/Doxyfile.in,
# docs/meson.build). The api_reference test in make test fails on anything public left
# undocumented.
docs: deps $(NATIVE)/build.ninja
	@# a build configured before doxygen was installed has no docs target
	@grep -q '^build docs:' $(NATIVE)/build.ninja || meson setup --reconfigure $(NATIVE) $(MESON_ARGS) >/dev/null
	meson compile -C $(NATIVE) docs
	@echo "API reference: $(NATIVE)/docs/html/index.html"

# What tests miss: 10^7 random operations against the shadow model per strategy x
# provider (native and wasm), the native suite with ASan + UBSan (alloy poisoning
# free space for ASan), under valgrind's memcheck (alloy telling memcheck about its
# blocks), built by clang and for size (make test's native build is gcc's, for
# speed: builds for size take the strategies' other paths, natively only here), the
# locking wrapper's stress under ThreadSanitizer for 30 s, each libFuzzer target
# for 5 minutes, two at a time, and the native suite built with -Dstats=false, with
# -Dstrategy=bumpfree, and at -O3 (-Dbuildtype=release: warnings of its own) with the
# default instance checked on its mmap heap and the statistics off. The randomized
# test does fewer operations where a checker slows it down. Ends with the count of
# everything make test and this ran.
hardening: deps $(BUILD)/wasm-paths.ini
	-ALLOY_RANDOM_OPS=10000000 meson test -C $(NATIVE) --print-errorlogs conformance \
	  --test-args='--filter=conformance/random_ops*' --logbase testlog-soak --timeout-multiplier 10
	-ALLOY_RANDOM_OPS=10000000 meson test -C $(WASM) --print-errorlogs conformance \
	  --test-args=random_ops --logbase testlog-soak --timeout-multiplier 10
	@test -f $(ASAN)/build.ninja || meson setup $(ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dpoison=asan -Dbench=disabled $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=200000 meson test -C $(ASAN) --print-errorlogs
	@test -f $(VALGRIND)/build.ninja || meson setup $(VALGRIND) -Dpoison=valgrind -Dbench=disabled $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=5000 meson test -C $(VALGRIND) --print-errorlogs --no-suite unwrapped \
	  --timeout-multiplier 5 --wrap='valgrind --error-exitcode=99 --trace-children=yes -q'
	-meson test -C $(VALGRIND) --print-errorlogs --suite unwrapped --logbase testlog-unwrapped
	@test -f $(CLANG)/build.ninja || CC=clang meson setup $(CLANG) -Doptimize_for=size -Dbench=disabled $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=200000 meson test -C $(CLANG) --print-errorlogs
	@test -f $(TSAN)/build.ninja || meson setup $(TSAN) -Db_sanitize=thread -Dbench=disabled $(MESON_ARGS)
	-ALLOY_LOCKED_SECONDS=30 meson test -C $(TSAN) --print-errorlogs locked_tsan
	@test -f $(FUZZ)/build.ninja || CC=clang meson setup $(FUZZ) -Dfuzz=enabled \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled -Dbench=disabled $(MESON_ARGS)
	-meson test -C $(FUZZ) --print-errorlogs --num-processes 2
	@test -f $(NOSTATS)/build.ninja || meson setup $(NOSTATS) -Dstats=false $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=200000 meson test -C $(NOSTATS) --print-errorlogs
	@test -f $(NOSTATS_WASM)/build.ninja || meson setup $(NOSTATS_WASM) --cross-file $(BUILD)/wasm-paths.ini \
	  --cross-file cross/wasm32-wasi.ini -Dstats=false -Dbench=disabled $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=200000 meson test -C $(NOSTATS_WASM) --print-errorlogs
	@test -f $(BUMPFREE)/build.ninja || meson setup $(BUMPFREE) -Dstrategy=bumpfree -Dbench=disabled $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=200000 meson test -C $(BUMPFREE) --print-errorlogs
	@test -f $(RELEASE)/build.ninja || meson setup $(RELEASE) -Dbuildtype=release -Dchecked=true -Dstats=false \
	  -Dbench=disabled $(MESON_ARGS)
	-ALLOY_RANDOM_OPS=200000 meson test -C $(RELEASE) --print-errorlogs
	@python3 tests/scripts/summary.py $(NATIVE) $(WASM) $(OPTIONS) $(ASAN) $(VALGRIND) $(CLANG) $(TSAN) $(FUZZ) \
	  $(NOSTATS) $(NOSTATS_WASM) $(BUMPFREE) $(RELEASE)

clean:
	rm -rf $(BUILD)
