# iotprof: the one build.  `make` builds everything; `make check` runs every
# test; `make demo` shows the main job; `make bench` writes docs/BENCHMARKS.md.

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
BUILD    := build
ARCH     := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')

PKG_CONFIG ?= pkg-config
# The libraries, found by pkg-config; asked once, when first needed (after
# `make deps` has installed them).
PKGS     := libxdp libbpf libpcap json-c yaml-0.1 libpng libelf zlib libfixbuf libmicrohttpd
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS)))$(PKG_LIBS)

CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) $(PKG_CFLAGS)
LDLIBS    = $(PKG_LIBS) -lm

# clang -target bpf does not search the host's system headers by itself.
CLANG_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-Ivmlinux -Iinclude -Ibpf $(CLANG_SYS_INCLUDES) -Wall -Werror

BPF_HEADERS := $(wildcard bpf/*.h) include/iotprof_abi.h
BPF_OBJS    := $(BUILD)/iotprof.bpf.o $(BUILD)/xdp_pass.bpf.o
SKELETONS   := $(BUILD)/iotprof.skel.h $(BUILD)/xdp_pass.skel.h

# User-space objects shared by the binaries and the tests: every module of
# user/ but the two programs' main files and the subcommands.
CLI_SRCS := iotprof $(patsubst user/%.c,%,$(wildcard user/cmd_*.c))
LIB_SRCS := $(filter-out loader $(CLI_SRCS),$(patsubst user/%.c,%,$(wildcard user/*.c)))
LIB_OBJS := $(LIB_SRCS:%=$(BUILD)/user/%.o)
CLI_OBJS := $(CLI_SRCS:%=$(BUILD)/user/%.o)

TEST_BINS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard selftests/test_*.c))
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELETONS)
.PHONY: all clean vmlinux check check-reference demo bench deps fuzz

all: $(BUILD)/iotprof-load $(BUILD)/iotprof $(TEST_BINS) $(TOOL_BINS)

$(BUILD) $(BUILD)/user $(BUILD)/selftests $(BUILD)/tools:
	mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*.h) include/iotprof_abi.h $(SKELETONS) | $(BUILD)/user
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/iotprof-load: $(BUILD)/user/loader.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/iotprof: $(CLI_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/selftests/%: selftests/%.c $(wildcard selftests/*.h) $(LIB_OBJS) $(SKELETONS) | $(BUILD)/selftests
	$(CC) $(CFLAGS) -Iselftests $< $(LIB_OBJS) -o $@ $(LDLIBS)

$(BUILD)/tools/%: tools/%.c $(wildcard tools/*.h selftests/*.h) $(LIB_OBJS) $(SKELETONS) | $(BUILD)/tools
	$(CC) $(CFLAGS) -Iselftests $< $(LIB_OBJS) -o $@ $(LDLIBS)

# vmlinux.h is committed; this regenerates it from the running kernel.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

deps:
	tools/install-deps.sh

check: deps all
	selftests/run.sh

# The Forest authors' extractor beside iotprof on every dataset node (about
# 5 minutes the first time; skipped without ../shared).  Not part of check.
check-reference: all
	tools/reference/check.sh

fuzz: deps all
	FUZZ_COUNT=$${FUZZ_COUNT:-100000} selftests/run.sh fuzz

demo: deps all
	tools/demo.sh

bench: deps all vm-bench
	tools/bench.sh

clean:
	rm -rf $(BUILD)

# Larger parts keep their rules beside their sources.
-include $(wildcard tools/*/*.mk)
include packaging/packaging.mk
