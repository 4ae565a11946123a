# Ketenbeeld developer entry points. `make help` lists the targets; README.md has the quick start.
#
# Everything real lives in CMake (CMakeLists.txt) and CTest; this file only chains the steps a person or CI would
# otherwise type: install Debian packages, configure, build, test, run. Override any variable on the command line,
# e.g. `make test BUILD_DIR=build-mine JOBS=1` or `make run LISTEN=127.0.0.1:6000 DATA_DIR=/tmp/kb`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DATA_DIR ?= ./ketenbeeld-data
LISTEN ?= 127.0.0.1:50051
# The dashboard and the coordinator's form (HTTP gateway).
HTTP_LISTEN ?= 127.0.0.1:8080
# Tests ctest runs at once in the main tree: one more than the cores, because most of the suite waits (on timers,
# sockets, child processes) rather than computes. At -j2 a cold-tree `ctest` kept the two cores 39% busy (188 s of
# CPU in 241 s); -j3 took 167 s.
TEST_JOBS ?= $(shell echo $$(( $(JOBS) + 1 )))
# The same for the sanitizer trees (test-asan, test-tsan), whose tests compute far more: one per core.
SANITIZER_TEST_JOBS ?= $(JOBS)
# Per-test time limit for ctest, in seconds.
TEST_TIMEOUT ?= 600
# Empty, `address` (ASan + UBSan) or `thread` (TSan); test-asan and test-tsan set it with their own build dir.
SANITIZER ?=
ASAN_BUILD_DIR ?= build-asan
# Where `make demo-tls` keeps certificates, config and data (empty: a temporary directory, removed afterwards).
DEMO_DIR ?=
TSAN_BUILD_DIR ?= build-tsan
# What test-asan and test-tsan build and run: the code that parses input and shares state (storage, domain, pipeline
# with the feed session, policy, security, the in-process integration and access tests, the HTTP gateway with the feed
# conformance suite over both transports, the system tests with crash, fault, retention and backup, the etcd client
# against real etcd members with its keeper, watcher and observer threads, the CAP and EDXL-HAVE importers with their
# shared compiled schemas: interop_test). Not the client/CLI formatting tests, the
# browser tests, nor the benchmark. ctest skips the tests of targets left out (gtest_discover_tests registers them as
# <target>_NOT_BUILT) and the browser test (label).
SANITIZER_TARGETS ?= storage_test domain_test pipeline_test policy_test security_test integration_test \
  operations_test access_test publish_test http_gateway_test system_test base_test etcd_test interop_test
# TSan only: checks that tests/tsan/absl_annotations.cc lets TSan see Abseil's synchronisation, and still report races.
TSAN_SELF_TEST_TARGETS ?= tsan_annotations_test tsan_race_detection
# TSan skips domain_test: validation, names and filters are pure functions with no shared state for TSan to watch
# (ASan+UBSan still runs them, and the fuzz targets do too).
TSAN_TARGETS ?= $(filter-out domain_test,$(SANITIZER_TARGETS)) $(TSAN_SELF_TEST_TARGETS)
SANITIZER_CTEST_ARGS ?= -E '_NOT_BUILT$$' -LE browser
# The sanitizer trees are compiled with clang, the main tree with GCC (Debian's default compiler, which the
# server ships with). Clang compiles our sanitizer-instrumented code in about half of GCC's time (access_test's first
# unity batch under ASan: GCC 30.8 s, clang 17.0 s; a server library batch 16.5 -> 12.6 s), so the two sanitizer
# phases, which CI builds cold, take minutes less; and the code is checked by both compilers, clang's -Wthread-safety
# analysis of ABSL_GUARDED_BY included.
SANITIZER_CXX ?= clang++-14
# TSan only: a test that fails is run once more, and passes if the second run does. TSan cannot see the ordering inside
# Debian's uninstrumented gRPC, and an occasional report from such a hand-over (docs/architecture.md, "Sanitizers")
# must not fail CI; a report stays in the log either way. TSAN_RETRY= turns this off.
TSAN_RETRY ?= --repeat until-pass:2
# TSan only: the replicated-region system tests (three etcd members and three TSan-instrumented servers per test, two
# such tests at once under -j2) miss etcd's and the lease's deadlines on two cores and fail for lack of CPU, not for a
# race. They run under ASan and plainly. Under TSan in-process: the etcd client's threads (etcd_test, against real
# etcd members) and the committer's replicated mode (pipeline_test); the member's own loops (replication_test) are
# not in SANITIZER_TARGETS and run plainly only.
TSAN_CTEST_ARGS ?= -E '_NOT_BUILT|^Replication(Faults)?Test[.]' -LE browser
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= validation_fuzz stored_record_fuzz area_fuzz access_fuzz cap_import_fuzz have_import_fuzz
# Targets `make run` builds (not the tests, so a first run is quicker).
RUN_TARGETS ?= ketenbeeld-server ketenbeeld
# Extra arguments: CMAKE_ARGS for configure, CTEST_ARGS for ctest (e.g. CTEST_ARGS='-R Storage'), SERVER_ARGS for run.
CMAKE_ARGS ?=
CTEST_ARGS ?=
SERVER_ARGS ?=
# Build only these CMake targets in `make build` (default: all).
TARGETS ?=
# Set SKIP_DEPS=1 to skip deploy/install-deps.sh (e.g. on a machine where you cannot install packages).
SKIP_DEPS ?=

# CI (any value but empty, 0 or false) turns compiler warnings into errors, and compiles the main tree with line tables
# instead of full debug information (DEBUG_INFO_FLAGS): the same code (GCC's -g never changes code generation), enough
# for every backtrace CI prints, and a fifth less compile time (workflow_service.pb.cc: 15.6 -> 11.1 s of CPU), which
# CI pays cold. A developer's build keeps -g, for the debugger.
CI ?=
ifneq ($(filter-out 0 false,$(CI)),)
  IS_CI := 1
  WERROR ?= ON
  DEBUG_INFO_FLAGS ?= -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
else
  IS_CI :=
  WERROR ?= OFF
  DEBUG_INFO_FLAGS ?=
endif

# ccache (CMakeLists.txt uses it as compiler launcher when installed). BASEDIR + NOHASHDIR make hits independent of
# where the checkout and build directory are, so a fresh CI clone reuses what a developer built on the same machine
# (with the same flags: CI builds with -Werror, so `make test CI=true` is what warms the cache for CI). Side effect:
# __FILE__ and debug-info paths are relative to the build directory (../server/main.cc).
CCACHE_DIR ?= $(if $(HOME),$(HOME),$(CURDIR))/.cache/ccache
CCACHE_BASEDIR ?= $(CURDIR)
CCACHE_NOHASHDIR ?= true
# The test binaries' precompiled header (tests/CMakeLists.txt): ccache caches a PCH and the files using it only with
# this sloppiness (ccache's manual, "Precompiled headers"); without it they compile every time, uncached.
CCACHE_SLOPPINESS ?= pch_defines,time_macros
# Depend mode: on a miss ccache hashes the files listed in the compiler's own -MD output (Ninja asks for it) instead
# of running the preprocessor once more before compiling. Every compile of a cold CI run is a miss, and that extra
# preprocessor pass was 4.9% of the compile time of ten sampled translation units of the main tree (2.9 of 59.7 s).
# Hits are looked up as before (direct mode).
CCACHE_DEPEND ?= true
export CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR CCACHE_SLOPPINESS CCACHE_DEPEND

# Sanitizer run-time options; suppression files are used when they exist. Exported for every test run: binaries
# built without the sanitizer ignore them. Set any of these in the environment to replace the defaults.
supp = $(if $(wildcard tests/$(1).supp),:suppressions=$(CURDIR)/tests/$(1).supp)
ASAN_OPTIONS ?= detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1$(call supp,asan)
LSAN_OPTIONS ?= print_suppressions=0$(call supp,lsan)
UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1$(call supp,ubsan)
# TSan: ignore_noninstrumented_modules drops the libc calls (memcpy, free, epoll, ...) made by Debian's uninstrumented
# gRPC, RocksDB, Abseil, OpenSSL and libstdc++, whose ordering TSan cannot see; tests/tsan.supp says what else.
TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:history_size=7$(call supp,tsan)
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS

SERVER_BIN := $(BUILD_DIR)/server/ketenbeeld-server
CLI_BIN := $(BUILD_DIR)/client/ketenbeeld
SOURCE_DIRS := $(wildcard proto etcd storage server client tests bench)
# Our C++ sources, for format and tidy (generated code lives in build directories and is never touched).
SOURCES = $(shell find $(SOURCE_DIRS) -type f \( -name '*.h' -o -name '*.cc' \) -not -path '*/build*/*' | sort)
# clang-tidy checks the .cc files of ours that are in compile_commands.json (headers via HeaderFilterRegex).
TIDY_REGEX ?= ^$(CURDIR)/(etcd|storage|server|client|tests|bench)/.*\.cc$$
TIDY_ARGS ?= -quiet
CTEST = ctest --test-dir $(BUILD_DIR) --output-on-failure --no-tests=error -j $(TEST_JOBS) --timeout $(TEST_TIMEOUT) \
  $(CTEST_ARGS)

.PHONY: help deps test-deps bench-deps configure build run demo-tls test test-asan test-tsan sanitizer-test bench fuzz format format-check tidy clean clean-all

help: ## List the targets and the main variables.
	@echo "Ketenbeeld: make TARGET [VARIABLE=value ...]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN { FS = ":.*## " } { printf "  %-13s %s\n", $$1, $$2 }'
	@echo
	@echo "Variables: BUILD_DIR=$(BUILD_DIR) BUILD_TYPE=$(BUILD_TYPE) JOBS=$(JOBS) TEST_JOBS=$(TEST_JOBS) DATA_DIR=$(DATA_DIR)"
	@echo "           LISTEN=$(LISTEN) WERROR=$(WERROR) SANITIZER=$(SANITIZER) TARGETS=$(TARGETS)"
	@echo "           CMAKE_ARGS, CTEST_ARGS, SERVER_ARGS, SKIP_DEPS=1, CCACHE_DIR=$(CCACHE_DIR)"

deps: ## Install the missing Debian 12 packages (deploy/install-deps.sh; uses sudo when not root).
ifeq ($(SKIP_DEPS),)
	bash deploy/install-deps.sh
else
	@echo "deps: skipped (SKIP_DEPS=$(SKIP_DEPS))"
endif

# -G Ninja only for a new build directory: an existing one keeps the generator it was made with, and every step
# below goes through `cmake --build`, which works with either.
configure: ## Configure BUILD_DIR with CMake (Ninja, ccache, compile_commands.json).
	cmake -S . -B $(BUILD_DIR) $(if $(wildcard $(BUILD_DIR)/CMakeCache.txt),,-G Ninja) \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DKETENBEELD_WERROR=$(WERROR) -DKETENBEELD_SANITIZER=$(SANITIZER) \
	  $(DEBUG_INFO_FLAGS) $(CMAKE_ARGS)

build: configure ## Build everything (or only TARGETS=...) in BUILD_DIR.
	cmake --build $(BUILD_DIR) --parallel $(JOBS) $(if $(TARGETS),--target $(TARGETS))

run: deps ## Install deps, build the server and CLI, start the server on LISTEN with data in DATA_DIR.
	@$(MAKE) build TARGETS="$(RUN_TARGETS)"
	@mkdir -p $(DATA_DIR)
	@echo
	@echo "Starting ketenbeeld-server on $(LISTEN) with data in $(DATA_DIR); stop it with Ctrl-C."
	@echo "In another terminal, use the CLI ($(CLI_BIN) --help lists every command), e.g.:"
	@echo '  $(CLI_BIN) org register --id zh-noord --name "Ziekenhuis Noord" --kind hospital --region VR10'
	@echo '  $(CLI_BIN) status report --org zh-noord --overall strained --disruption staff-shortage=major \'
	@echo '      --capacity ic-adult:available=2,occupied=10'
	@echo '  $(CLI_BIN) watch      # follow every change live'
	@echo '  $(CLI_BIN) picture    # the current picture'
	@echo "Dashboard (crisis room): http://$(HTTP_LISTEN)/   Coordinator's form: http://$(HTTP_LISTEN)/form.html"
ifneq ($(LISTEN),127.0.0.1:50051)
	@echo "The CLI connects to 127.0.0.1:50051 by default: first run  export KETENBEELD_SERVER=$(LISTEN)"
endif
	@echo
	exec $(SERVER_BIN) --listen $(LISTEN) --http_listen $(HTTP_LISTEN) --data_dir $(DATA_DIR) $(SERVER_ARGS)

test-deps: ## Install what only the tests need: Debian's chromium and, from npm, playwright-core (web/package-lock.json).
ifeq ($(SKIP_DEPS),)
	bash deploy/install-deps.sh browser bench
	cd web && npm ci --no-audit --no-fund
else
	@echo "test-deps: skipped (SKIP_DEPS=$(SKIP_DEPS))"
endif

# ctest exits non-zero on a failed test and, with --no-tests=error, when it finds no test at all.
# In CI the ccache statistics follow, whatever the outcome, so the log shows how much the cache saved.
test: deps test-deps ## Install deps, build everything in BUILD_DIR and run the whole suite with ctest.
	@$(MAKE) build
	@echo "$(CTEST)"; status=0; $(CTEST) || status=$$?; \
	if [ -n "$(IS_CI)" ] && command -v ccache >/dev/null; then echo "ccache:"; ccache -s || true; fi; \
	exit $$status

demo-tls: deps ## Build server and CLI, then run the demo region with mTLS (deploy/demo-region.sh, docs/security.md).
	@$(MAKE) build TARGETS="$(RUN_TARGETS)"
	bash deploy/demo-region.sh $(BUILD_DIR) $(DEMO_DIR)

test-asan: deps ## SANITIZER_TARGETS' tests under AddressSanitizer + UndefinedBehaviorSanitizer, in ASAN_BUILD_DIR.
	@$(MAKE) sanitizer-test BUILD_DIR=$(ASAN_BUILD_DIR) SANITIZER=address TARGETS="$(SANITIZER_TARGETS)" \
	  TEST_JOBS=$(SANITIZER_TEST_JOBS)

test-tsan: deps ## TSAN_TARGETS' tests (SANITIZER_TARGETS but domain_test) under ThreadSanitizer, in TSAN_BUILD_DIR.
	@$(MAKE) sanitizer-test BUILD_DIR=$(TSAN_BUILD_DIR) SANITIZER=thread TEST_JOBS=$(SANITIZER_TEST_JOBS) \
	  TARGETS="$(TSAN_TARGETS)" SANITIZER_RETRY="$(TSAN_RETRY)" SANITIZER_CTEST_ARGS="$(TSAN_CTEST_ARGS)"

# For test-asan and test-tsan: build TARGETS in BUILD_DIR with SANITIZER_CXX, run their tests; in CI, the ccache
# statistics follow.
sanitizer-test:
ifeq ($(SKIP_DEPS),)
	@bash deploy/install-deps.sh clang
endif
	@$(MAKE) build CMAKE_ARGS="-DCMAKE_CXX_COMPILER=$(SANITIZER_CXX) $(CMAKE_ARGS)"
	@echo "$(CTEST) $(SANITIZER_CTEST_ARGS) $(SANITIZER_RETRY)"; status=0; \
	$(CTEST) $(SANITIZER_CTEST_ARGS) $(SANITIZER_RETRY) || status=$$?; \
	if [ -n "$(IS_CI)" ] && command -v ccache >/dev/null; then echo "ccache:"; ccache -s || true; fi; \
	exit $$status

bench-deps: ## Install the benchmark's peers, etcd-server and redis-server, and its Redis client (hiredis, libevent).
	bash deploy/install-deps.sh bench

bench: ## Build the server and load generator, then run the benchmark suite against etcd and Redis (QUICK=1: --quick).
	@bash deploy/install-deps.sh bench
	@$(MAKE) build TARGETS="ketenbeeld-server ketenbeeld-bench"
	bash bench/run.sh $(if $(QUICK),--quick) $(BUILD_DIR)

# Each fuzz target runs FUZZ_SECONDS on a corpus kept in FUZZ_BUILD_DIR (so repeated runs go deeper); a crash stops
# the run (once the others have ended) with the reproducer path in the log.
fuzz: ## Build the libFuzzer targets with clang (FUZZ_BUILD_DIR) and run each for FUZZ_SECONDS, JOBS at once.
	@bash deploy/install-deps.sh clang
	CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD_DIR) $(if $(wildcard $(FUZZ_BUILD_DIR)/CMakeCache.txt),,-G Ninja) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKETENBEELD_FUZZ=ON -DKETENBEELD_WERROR=$(WERROR)
	cmake --build $(FUZZ_BUILD_DIR) --parallel $(JOBS)
	bash tests/fuzz/run_fuzz.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(JOBS) $(FUZZ_TARGETS)

format: ## Reformat our .h/.cc files in place with clang-format (.clang-format).
	@bash deploy/install-deps.sh tools >/dev/null
	clang-format -i $(SOURCES)

format-check: ## Fail if any of our .h/.cc files is not clang-formatted.
	@bash deploy/install-deps.sh tools >/dev/null
	clang-format --dry-run --Werror $(SOURCES)

tidy: ## Build BUILD_DIR (generated headers, compile_commands.json), then clang-tidy our .cc files.
	@bash deploy/install-deps.sh tools >/dev/null
	@$(MAKE) build
	run-clang-tidy -p $(BUILD_DIR) -j $(JOBS) $(TIDY_ARGS) '$(TIDY_REGEX)'

clean: ## Remove BUILD_DIR. Never touches DATA_DIR.
	rm -rf $(BUILD_DIR)

clean-all: ## Remove BUILD_DIR, ASAN_BUILD_DIR and TSAN_BUILD_DIR. Never touches DATA_DIR.
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
