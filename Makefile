# kvcache-bench: `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
# They install missing Debian packages with apt-get (as root, or through sudo), configure with
# CMake presets, build and run. See README.md.

PRESET ?= release
JOBS ?= $(shell nproc)
BIN := build/$(PRESET)/bin

# Everything the build, the tests and the demo need. Keep in sync with docs/dependencies.md.
PACKAGES := g++ cmake ninja-build pkg-config git \
	libboost1.81-dev libyaml-cpp-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev \
	libfmt-dev libspdlog-dev libxxhash-dev libzstd-dev libsqlite3-dev \
	libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev gnuplot-nox zstd

.PHONY: all deps configure build demo sample test test-release test-asan bench format clean

all: build

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "error: need root or sudo to install:$$missing" >&2; exit 2; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake --preset $(PRESET) >/dev/null

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

# The main job on its built-in default (until the benchmark runner lands: the simulator on the
# shipped sample trace).
DEMO_ARGS := --input-file data/sample_multiturn.jsonl \
	  --eviction-policy lru,fifo,lfu,arc,s3fifo,sieve,belady,vllm,conversation-aware \
	  --capacity 1000,2000,4000,8000,16000 --mrc --output-dir outputs/simulation/demo

demo: build
	$(BIN)/cache_simulator $(DEMO_ARGS)

# The shipped sample is generated, and tests check it is reproducible bit for bit.
sample: build
	$(BIN)/trace_generator --conversations 300 --seed 7 --output data/sample_multiturn.jsonl

# The whole suite: release build, then the same suite under ASan+UBSan.
test: test-release test-asan

test-release:
	$(MAKE) build PRESET=release
	ctest --preset release

test-asan:
	$(MAKE) build PRESET=asan
	ctest --preset asan

bench: build
	scripts/run_benchmarks.sh

format:
	find src tests bench -name '*.h' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf build
