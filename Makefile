# The two commands of a fresh machine:
#   make run   - install what is missing, build (Release), run the whole pipeline into ./mre.db
#   make test  - install what is missing, build, run every test (ctest)
# Debian packages come through apt-get (with sudo when not root); nothing is downloaded at
# build time and nothing is vendored.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DB ?= mre.db

# Build and test dependencies, all Debian packages.
DEBIAN_PACKAGES := build-essential cmake ninja-build pkg-config ccache git \
  libsqlite3-dev sqlite3 libpq-dev postgresql libcli11-dev nlohmann-json3-dev libfmt-dev libyaml-cpp-dev \
  libcurl4-openssl-dev libcpp-httplib-dev curl wrk chromium libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev libxgboost-dev \
  python3 python3-pandas python3-yaml python3-sklearn python3-statsmodels python3-jsonschema util-linux

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release
ifneq ($(CI),)
CMAKE_FLAGS += -DMRE_WERROR=ON
endif

.PHONY: all deps build web run test test-asan bench clean

all: build

deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps web
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The dashboard (web/): npm packages from the lock file, then the Vite build into web/dist.
# Needs Node >= 20 with npm (the machine's; Debian 12's nodejs 18 is too old for Vite 7).
web:
	@command -v npm >/dev/null || { echo "make: npm (Node >= 20) is needed to build the dashboard in web/"; exit 1; }
	cd web && { [ -d node_modules/vite ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] || npm ci --no-audit --no-fund; }
	cd web && npm run build

run: build
	./$(BUILD_DIR)/mre run --db $(DB)

test: build test-asan
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The numeric kernels' and the store's unit tests under AddressSanitizer + UBSan (the `asan`
# preset, Debug, build-asan/): any finding aborts the test and fails `make test`.
ASAN_TESTS := core_tests features_tests regimes_tests causal_tests scm_tests narrative_tests store_tests
test-asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS) --target $(ASAN_TESTS)
	cd build-asan/tests && for t in $(ASAN_TESTS); do \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ./$$t --gtest_brief=1 || exit 1; \
	done

bench: build
	/usr/bin/python3 bench/ingest_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/features_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/classify_compare.py --build $(BUILD_DIR)
	./$(BUILD_DIR)/bench/classify_bench
	/usr/bin/python3 bench/scm_compare.py --build $(BUILD_DIR)
	/usr/bin/python3 bench/store_bench.py --build $(BUILD_DIR)
	test -f $(DB) || ./$(BUILD_DIR)/mre run --db $(DB)
	sh bench/server_bench.sh $(DB) $(BUILD_DIR)
	test -f $(DB) || ./$(BUILD_DIR)/mre run --db $(DB)
	/usr/bin/python3 bench/effects_bench.py --db $(DB) --build $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
