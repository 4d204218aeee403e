# The front door. `make test` installs what is missing (Debian), builds alloy natively
# and for wasm32-wasi, runs every test of both and ends with "N passed, N failed".
# MESON_ARGS reaches every `meson setup` (CI passes -Dwerror=true).

BUILD ?= build
MESON_ARGS ?=
NATIVE := $(BUILD)/native
WASM := $(BUILD)/wasm
# a native build with the other options switched, so that each choice is tested
OPTIONS := $(BUILD)/options
PACKAGES := meson ninja-build python3 pkg-config clang lld llvm wasi-libc \
            libclang-rt-14-dev-wasm32 libcriterion-dev nodejs binaryen

.PHONY: all test size deps configure build clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "alloy needs: sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/wasm-paths.ini:
	@mkdir -p $(BUILD)
	@printf "[constants]\nalloy_source = '%s'\n" "$(CURDIR)" > $@

$(NATIVE)/build.ninja:
	meson setup $(NATIVE) $(MESON_ARGS)

$(OPTIONS)/build.ninja:
	meson setup $(OPTIONS) -Dheap=static -Dstatic_heap_size=262144 -Daudit_sizes=true $(MESON_ARGS)

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
	-meson test -C $(OPTIONS) --print-errorlogs stats_test default_test readme_example
	@python3 tests/summary.py $(NATIVE) $(WASM) $(OPTIONS)

# wasm Code-section bytes of minimal modules per strategy, against dlmalloc
size: build
	@meson compile -C $(WASM) size | grep -v '^\[\|^INFO\|^ninja'

clean:
	rm -rf $(BUILD)
