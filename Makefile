# Developer shortcuts. The README's two commands (scripts/) are what users and CI run.
.PHONY: build test embed bench

build:
	swift build -c release

test:
	swift test

embed:
	Scripts/embed-resources

bench:
	Scripts/bench
