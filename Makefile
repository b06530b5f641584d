# Developer shortcuts. The README's two commands (scripts/) are what users and CI run.
.PHONY: build test lint bench

build:
	swift build -c release

test:
	swift test

lint:
	Scripts/lint

bench:
	Scripts/bench
