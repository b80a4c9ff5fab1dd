# Ember quick start:  make run   (build + start the server on 127.0.0.1:6379)
#                     make test  (build + every test suite, as CI runs it)
JOBS ?= $(shell nproc)
BUILD ?= build
ARGS ?=

.PHONY: all deps build run test unit integration asan tsan fuzz bench clean format

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@ninja -C $(BUILD) -j $(JOBS)

run: build
	exec $(BUILD)/ember-server $(ARGS)

test:
	@scripts/deps.sh --test
	@scripts/test.sh

bench:
	@scripts/deps.sh --bench
	@$(MAKE) --no-print-directory build
	bench/compare.sh

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'bench/*.cc')

clean:
	rm -rf build build-asan build-tsan build-fuzz
