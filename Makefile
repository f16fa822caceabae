# The README's two commands: `make run` and `make test` (each installs dependencies first).
BUILD ?= build
JOBS ?= $(shell nproc)
MODEL ?= $(firstword $(wildcard models/house.gguf ../shared/reference/storyteller-16m-q8_0.gguf))

.PHONY: run test build setup configure clean fuzz

setup:
	@./scripts/setup

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./scripts/run-default

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1200

fuzz: setup
	@./scripts/fuzz-gguf $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD)
