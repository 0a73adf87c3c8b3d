# iommuctl - GNU make, pkg-config.
#
#   make            build build/iommuctl
#   make run        build and run iommuctl on this machine (installs missing packages)
#   make check      install missing packages, build, run every test (also under
#                   ASan+UBSan); ends with "N passed, N failed"
#   make golden     regenerate the golden CLI expectations (review the diff)
#   make fuzz       build the libFuzzer targets (tests/fuzz/fuzz-*.c, one per
#                   parser: clang, ASan+UBSan, the product's warnings) into
#                   build/fuzz/ and run each for FUZZ_SECONDS (default 60)
#                   from its seeds (tests/fuzz/corpus/); fails on any crash,
#                   leak or hang; ends with "N passed, N failed"
#   make bench      benchmark the page-table model, the IOTLB and simulate's
#                   replay, and iommuctl against lspci on generated SR-IOV trees
#   make check-vm   boot real kernels under QEMU and check iommuctl against them
#   make fixtures   re-make fixtures/ from those kernels
#   make install    PREFIX=/usr/local DESTDIR=
#   make uninstall  removes what make install put there (same PREFIX, DESTDIR)

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
# Where the shells look for completions: what the bash-completion and fish
# .pc files say for this DATADIR, else the same places without them; zsh:
# site-functions, in Debian zsh's default fpath for /usr/local (and /usr).
completionsdir = $(or $(shell pkg-config --define-variable=datadir=$(DATADIR) --variable=completionsdir $(1) 2>/dev/null),$(2))
BASHCOMPDIR ?= $(call completionsdir,bash-completion,$(DATADIR)/bash-completion/completions)
FISHCOMPDIR ?= $(call completionsdir,fish,$(DATADIR)/fish/vendor_completions.d)
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions

CC         ?= cc
PKGS       := libpci libudev jansson smartcols libarchive
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN       := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS     ?= -O2 -g
ALL_CFLAGS  = -std=gnu11 $(WARN) $(CFLAGS) -Iinclude $(PKG_CFLAGS) -DIOMMUCTL_VERSION='"$(VERSION)"' -MMD -MP
SAN_FLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS   := $(filter-out src/main.c,$(wildcard src/*.c))
SRCS       := $(LIB_SRCS) src/main.c
UNIT_SRCS  := $(wildcard tests/unit/test-*.c)

OBJS       := $(SRCS:%.c=build/obj/%.o)
SAN_OBJS   := $(SRCS:%.c=build/san/obj/%.o)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/san/unit/%)

# libFuzzer: every product source but main.c, built with clang under the
# same warnings; each target links tests/fuzz/common.c.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_CFLAGS   = -std=gnu11 $(WARN) $(FUZZ_FLAGS) -Iinclude $(PKG_CFLAGS) -DIOMMUCTL_VERSION='"$(VERSION)"' -MMD -MP
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJS    := $(LIB_SRCS:%.c=build/fuzz/obj/%.o) build/fuzz/obj/tests/fuzz/common.o

.PHONY: all run check golden bench check-vm fixtures install uninstall clean deps san unit fuzz fuzz-build

all: build/iommuctl

build/iommuctl: $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/san/iommuctl: $(SAN_OBJS)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build/san/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/unit/%: tests/unit/%.c $(filter-out build/obj/src/main.o,$(OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) -lcmocka

build/san/unit/%: tests/unit/%.c $(filter-out build/san/obj/src/main.o,$(SAN_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) -lcmocka

# The page-table model benchmark links every library object, as the unit
# tests do, so the modules it measures together need no rule of their own.
build/model-bench: bench/model-bench.c $(filter-out build/obj/src/main.o,$(OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

.SECONDARY: $(FUZZ_OBJS)
build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

san: build/san/iommuctl
unit: $(UNIT_BINS)

# Installs the Debian packages the build and the tests need (as root; a
# no-op when everything is there).
deps:
	@tests/ensure-deps

run: deps
	@$(MAKE) --no-print-directory all
	@tests/make-run

check: deps
	@$(MAKE) --no-print-directory all san $(UNIT_BINS) $(SAN_UNIT_BINS)
	@tests/run-tests

fuzz-build: $(FUZZ_BINS)

fuzz:
	@tests/ensure-deps --fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_BINS)

golden: all
	@tests/run-tests --golden

bench: deps
	@$(MAKE) --no-print-directory all build/model-bench
	@bench/run-bench

check-vm: all
	@tests/vm/run --iommuctl build/iommuctl

fixtures: all
	@tests/vm/run --iommuctl build/iommuctl --fixtures-out fixtures

# What install puts where, as "SOURCE DESTINATION MODE"; uninstall removes
# exactly the destinations, and the directory that is iommuctl's own.
INSTALLED = build/iommuctl $(BINDIR)/iommuctl 0755 \
	man/iommuctl.8 $(MANDIR)/man8/iommuctl.8 0644 \
	man/iommuctl.schema.json $(DATADIR)/iommuctl/iommuctl.schema.json 0644 \
	completions/iommuctl.bash $(BASHCOMPDIR)/iommuctl 0644 \
	completions/_iommuctl $(ZSHCOMPDIR)/_iommuctl 0644 \
	completions/iommuctl.fish $(FISHCOMPDIR)/iommuctl.fish 0644

install: all
	@set -- $(INSTALLED); while [ $$# -ge 3 ]; do \
		echo "install -D -m $$3 $$1 $(DESTDIR)$$2"; install -D -m $$3 "$$1" "$(DESTDIR)$$2" || exit; shift 3; \
	done

uninstall:
	@set -- $(INSTALLED); while [ $$# -ge 3 ]; do \
		echo "rm -f $(DESTDIR)$$2"; rm -f "$(DESTDIR)$$2" || exit; shift 3; \
	done
	-rmdir "$(DESTDIR)$(DATADIR)/iommuctl" 2>/dev/null

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(UNIT_BINS:=.d) $(SAN_UNIT_BINS:=.d) build/model-bench.d $(FUZZ_OBJS:.o=.d) \
	$(FUZZ_BINS:=.d)
