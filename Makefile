# The two commands of a fresh machine:
#   make run   - install what is missing, build (Release), run the whole pipeline into ./mre.db
#   make test  - install what is missing, build, run every test (ctest), then fuzz for a bounded time
# Debian packages come through apt-get (with sudo when not root); nothing is downloaded at
# build time and nothing is vendored.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DB ?= mre.db

# What running needs (make run), and what only the tests and benchmarks add (make test), all
# Debian packages. `make print-run-deps` / `make print-test-deps` list them (a test checks that
# the run list holds no test tool).
RUN_PACKAGES := build-essential cmake ninja-build pkg-config ccache git \
  libsqlite3-dev sqlite3 libpq-dev libcli11-dev nlohmann-json3-dev libfmt-dev libyaml-cpp-dev \
  libcurl4-openssl-dev libcpp-httplib-dev libeigen3-dev libxgboost-dev \
  python3-pybind11 python3-numpy libopenmpi-dev openmpi-bin
TEST_PACKAGES := postgresql curl wrk chromium libgtest-dev libgmock-dev libbenchmark-dev \
  python3 python3-pandas python3-yaml python3-sklearn python3-statsmodels python3-jsonschema util-linux \
  python3-nbclient python3-ipykernel jupyter-nbconvert python3-matplotlib
# Test only: the fuzz build (docs/fuzzing.md). clang 16, not Debian's default clang 14, whose
# missing __builtin_source_location leaves libstdc++ 12 without std::source_location.
TEST_PACKAGES += clang-16 libclang-rt-16-dev
# Test only: `make lint-kernels` (run by `make test`) and `make lint`, for the same reason.
TEST_PACKAGES += clang-tidy-16
# Test only: `make format-check` (run by `make test`) and `make format`: the formatter the tree was
# formatted with (.clang-format; a newer clang-format formats some constructs differently).
TEST_PACKAGES += clang-format-14
# Test only: LibTorch (CPU) for the neural module (`--shocks quantgan`, issue 25). `make run`
# builds without it (MRE_TORCH off: quantgan is an Unsupported error naming the package); the
# tests build and run the networks.
TEST_PACKAGES += libtorch-dev
# Test only: `mre neural export` (issue 24) runs tools/neural_export.py over Debian's python3-torch
# and python3-onnx; the export tests need both. `make run` does not (tools/check_run_deps.sh).
TEST_PACKAGES += python3-torch python3-onnx

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
ifneq ($(CI),)
CMAKE_FLAGS += -DMRE_WERROR=ON
endif

.PHONY: all deps deps-run deps-test node build build-run web run test test-asan fuzz bench clean print-run-deps print-test-deps lint lint-kernels format format-check

all: build

# install_missing: apt-get install the packages of $(1) that dpkg does not have (sudo when not root).
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps-run: node
	$(call install_missing,$(RUN_PACKAGES))

deps-test: deps-run
	$(call install_missing,$(TEST_PACKAGES))

deps: deps-test

# Node.js and npm for the dashboard: the machine's when present (>= 18), Debian's otherwise.
node:
	@command -v npm >/dev/null && command -v node >/dev/null || { \
	  echo "make: installing Debian packages: nodejs npm"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends nodejs npm; }

print-run-deps:
	@echo $(RUN_PACKAGES) nodejs npm

print-test-deps:
	@echo $(TEST_PACKAGES)

# build: everything (tests and benchmarks included); build-run: the mre binary alone, which needs
# none of the test tools (tests and benchmarks are configured only when their packages are there).
build: deps web
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) -DMRE_REQUIRE_TEST_TOOLS=ON -DMRE_TORCH=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-run: deps-run web
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) -DMRE_REQUIRE_TEST_TOOLS=OFF
	cmake --build $(BUILD_DIR) -j $(JOBS) --target mre

# The dashboard (web/): npm packages from the lock file, then the Vite build into web/dist.
# Node >= 18 with npm (Debian 12's nodejs 18.20 and npm 9.2 build it: tools/check_node18.sh).
web: node
	@command -v npm >/dev/null || { echo "make: npm (Node >= 18) is needed to build the dashboard in web/"; exit 1; }
	cd web && { [ -d node_modules/vite ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] || npm ci --no-audit --no-fund; }
	cd web && npm run build

run: build-run
	./$(BUILD_DIR)/mre run --db $(DB)

test: format-check build test-asan
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	$(MAKE) lint-kernels
	$(MAKE) fuzz

# The libFuzzer targets of fuzz/ in their own clang build: each runs FUZZ_SECONDS from its
# corpus, then its regression inputs are replayed (ctest label fuzz; docs/fuzzing.md).
fuzz: deps-test
	cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-16 -DMRE_TORCH=OFF \
	  -DMRE_FUZZ=ON -DMRE_BUILD_TESTS=OFF -DMRE_BUILD_BENCH=OFF -DMRE_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_all
	ctest --test-dir $(FUZZ_BUILD_DIR) -L fuzz --output-on-failure -j $(JOBS)

# clang-tidy (.clang-tidy's checks) over every source of the tree (long on 2 cores), and over the
# numeric kernels only (features, regimes, causal, scm: the CI variant; 43 files, 3 min 01 s wall and
# 358 CPU-s on the 2-core VM, 2026-12-06). Both read the compile commands of $(BUILD_DIR) (configured by `make
# build`). clang-tidy 16 or newer is needed: 14 cannot parse libstdc++ 12's std::source_location
# (core/check.h), so every file that includes it fails there.
# Any finding fails the target (.clang-tidy's WarningsAsErrors): fix it, or NOLINT(check) it on its line
# with the reason beside it.
CLANG_TIDY_RUNNER ?= run-clang-tidy-16 -clang-tidy-binary clang-tidy-16
LINT_KERNELS := 'src/mre/(features|regimes|causal|scm)/.*\.cc$$'
lint: deps-test
	@test -f $(BUILD_DIR)/compile_commands.json || cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	$(CLANG_TIDY_RUNNER) -quiet -j $(JOBS) -p $(BUILD_DIR) -extra-arg=-Wno-unknown-warning-option \
	  -header-filter='^$(CURDIR)/(src|cli|server)/' '^$(CURDIR)/(src|cli|server)/'
lint-kernels: deps-test
	@test -f $(BUILD_DIR)/compile_commands.json || cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	$(CLANG_TIDY_RUNNER) -quiet -j $(JOBS) -p $(BUILD_DIR) -extra-arg=-Wno-unknown-warning-option \
	  -header-filter='^$(CURDIR)/src/mre/(features|regimes|causal|scm)/' $(LINT_KERNELS)

# clang-format-14 (.clang-format: Google, 100 columns) over every tracked C++ file (*.cc, *.h):
# `make format-check` (run first by `make test`) fails on any file that is not formatted, naming
# it and the line (13 s for the 406 files on the 2-core VM, 2026-12-06); `make format` rewrites
# them in place.
CLANG_FORMAT ?= clang-format-14
format-check: deps-test
	@git ls-files -z '*.cc' '*.h' | xargs -0 $(CLANG_FORMAT) --dry-run -Werror
	@echo "format-check: every tracked C++ file is clang-format clean ($(CLANG_FORMAT))"
format: deps-test
	git ls-files -z '*.cc' '*.h' | xargs -0 $(CLANG_FORMAT) -i

# The numeric kernels' and the store's unit tests under AddressSanitizer + UBSan (the `asan`
# preset, Debug, build-asan/): any finding aborts the test and fails `make test`. The suites run
# $(JOBS) at a time, the longest (regimes) first; a failing suite's output is printed and the
# target fails. (One at a time they took ~300 s of the fresh clone's make test, regimes_tests 227 s
# of it. At -O1 they take 55 s, but the cold build took ~700 s instead of ~300 s: -O0 is cheaper
# overall. Since 2026-12-07 ccache runs with base_dir = the checkout and hash_dir off
# (CMakeLists.txt), so a new clone finds this build's objects too.)
# Line tables only (-g1, the preset's CMAKE_CXX_FLAGS_DEBUG): the sanitizers' stack traces keep
# file and line, and build-asan/ no longer takes 2.8 GB of a fresh clone's disk (stop 39's CI run
# failed with ar's "No space left on device").
ASAN_TESTS := regimes_tests scm_tests causal_tests features_tests store_tests core_tests narrative_tests
test-asan: deps-test
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS) --target $(ASAN_TESTS)
	cd build-asan/tests && printf '%s\n' $(ASAN_TESTS) | xargs -P $(JOBS) -I{} sh -c \
	  'ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ./{} --gtest_brief=1 > {}.asan.log 2>&1 \
	   && tail -n 2 {}.asan.log || { echo "test-asan: {} failed:"; cat {}.asan.log; exit 255; }'

bench: build
	/usr/bin/python3 bench/ingest_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/features_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/classify_compare.py --build $(BUILD_DIR)
	./$(BUILD_DIR)/bench/classify_bench
	/usr/bin/python3 bench/scm_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/jump_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/store_bench.py --build $(BUILD_DIR)
	test -f $(DB) || ./$(BUILD_DIR)/mre run --db $(DB)
	sh bench/server_bench.sh $(DB) $(BUILD_DIR)
	test -f $(DB) || ./$(BUILD_DIR)/mre run --db $(DB)
	/usr/bin/python3 bench/effects_bench.py --db $(DB) --build $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_BUILD_DIR)
