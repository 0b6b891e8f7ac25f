# SPDX-License-Identifier: GPL-2.0-or-later
# tcpfw - non-recursive build. Objects go to build/ (build-san/ with SANITIZE=1).
#
#   make              libtcpfw.a, tcpfwd, tcpfwctl
#   make deps         install the Debian packages the build and tests need (idempotent)
#   make check        deps, build, check-purity, unit tests
#   make check-purity fail if libtcpfw.a calls sockets, clocks, logging, printf or exit
#   make bench        engine microbenchmark (not part of check)
#   make bench-callgrind  instructions per packet under valgrind
#   make SANITIZE=1   the same with ASan + UBSan, no recovery
#   make clean

VERSION := 0.1.0
CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
BUILD ?= build

ifeq ($(SANITIZE),1)
BUILD := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wpointer-arith -Wundef -Werror
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DTCPFW_VERSION='"$(VERSION)"' $(WARN) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -Ilib
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)

# Debian packages, by name: what builds the code and what the tests run.
DEB_BUILD := build-essential pkg-config libsodium-dev libconfig-dev libjansson-dev \
	libmnl-dev libnetfilter-queue-dev libsystemd-dev libcmocka-dev
DEB_TEST := iproute2 nftables iptables python3-scapy socat curl iperf3 man-db \
	systemd procps psmisc
DEB_DEPS := $(DEB_BUILD) $(DEB_TEST)

LIB_PKGS := libsodium libconfig jansson
LIB_LIBS = $(shell $(PKG_CONFIG) --libs $(LIB_PKGS))
LIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS))

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBTCPFW := $(BUILD)/libtcpfw.a

UNIT_TESTS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out $(UNIT_TESTS),$(sort $(wildcard tests/unit/*.c)))
UNIT_HELPER_OBJS := $(UNIT_HELPERS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_TESTS:%.c=$(BUILD)/%)

BENCH_BIN := $(BUILD)/tests/bench/engine_bench

DAEMON_PKGS := libmnl libnetfilter_queue libsystemd
DAEMON_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(DAEMON_PKGS)) -pthread
DAEMON_LIBS = $(shell $(PKG_CONFIG) --libs $(DAEMON_PKGS)) -pthread
TCPFWD := $(BUILD)/tcpfwd
TCPFWD_SRCS := $(sort $(wildcard daemon/tcpfwd/*.c))
TCPFWD_OBJS := $(TCPFWD_SRCS:%.c=$(BUILD)/%.o)
TCPFWCTL := $(BUILD)/tcpfwctl
TCPFWCTL_SRCS := $(sort $(wildcard daemon/tcpfwctl/*.c))
TCPFWCTL_OBJS := $(TCPFWCTL_SRCS:%.c=$(BUILD)/%.o)

.PHONY: all deps check check-purity unit bench bench-callgrind clean
.DEFAULT_GOAL := all
.SECONDARY:

all: $(LIBTCPFW) $(TCPFWD) $(TCPFWCTL)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

# daemon objects: the more specific pattern wins
$(BUILD)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(<D) $(LIB_CFLAGS) $(DAEMON_CFLAGS) -c -o $@ $<

$(TCPFWD): $(TCPFWD_OBJS) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(DAEMON_LIBS)

# tcpfwctl talks to the daemon through lib/ctl_proto only: no daemon libraries
$(BUILD)/daemon/tcpfwctl/%.o: daemon/tcpfwctl/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon/tcpfwctl -c -o $@ $<

$(TCPFWCTL): $(TCPFWCTL_OBJS) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(LIBTCPFW): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELPER_OBJS) $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

MKFLOWS := $(BUILD)/tests/bench/mkflows
$(MKFLOWS): $(BUILD)/tests/bench/mkflows.o $(BUILD)/tests/unit/pktbuild.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BENCH_BIN): $(BUILD)/tests/bench/engine_bench.o $(BUILD)/tests/unit/pktbuild.o $(LIBTCPFW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

# Installs only what is missing, so a machine that has everything never touches apt.
deps:
	@missing=$$(for p in $(DEB_DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "deps: run as root to install packages" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all present"; fi

# lib/ is a pure core: no I/O, clock, logging or process control. The list is matched against
# the undefined symbols of the archive, so a single stray printf fails the build.
PURITY_DENY := socket connect bind listen accept accept4 send sendto sendmsg sendmmsg recv recvfrom \
	recvmsg recvmmsg read write open open64 openat fopen fopen64 close fclose \
	clock_gettime gettimeofday time syslog vsyslog openlog \
	printf fprintf vprintf vfprintf dprintf puts fputs putchar fputc fwrite perror \
	__printf_chk __fprintf_chk __vfprintf_chk __vprintf_chk __dprintf_chk \
	exit _exit _Exit abort getrandom random rand srand

check-purity: $(LIBTCPFW)
	@bad=$$(nm -u $(LIBTCPFW) | awk '{print $$NF}' | sed 's/@.*//' | sort -u | \
		grep -x -F $(foreach s,$(PURITY_DENY),-e $(s)) || true); \
	if [ -n "$$bad" ]; then echo "check-purity: libtcpfw.a references:" $$bad >&2; exit 1; fi; \
	echo "check-purity: libtcpfw.a is pure"

# Man pages, linted as Lintian does: groff's warnings are the only output allowed, so any
# line fails. The glob picks up every page in man/, whoever wrote it.
MAN_PAGES = $(sort $(wildcard man/*.[58]))
.PHONY: check-man
check-man:
	@fail=0; for f in $(MAN_PAGES); do \
		out=$$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
			"$$f" 2>&1 >/dev/null); \
		if [ -n "$$out" ]; then printf 'check-man: %s\n%s\n' "$$f" "$$out" >&2; fail=1; fi; \
	done; \
	[ $$fail = 0 ] || exit 1; \
	echo "check-man: $(words $(MAN_PAGES)) pages clean"

unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

check: deps
	$(MAKE) all
	$(MAKE) check-purity
	$(MAKE) check-man
	$(MAKE) unit
	$(MAKE) check-netns

# Network-namespace integration tests (root; each test skips when it cannot run).
.PHONY: check-netns
check-netns: all
	sh tests/netns/run.sh

# BENCH_ARGS=--quick for 1k and 100k flows only. Figures are reported, never judged; the exit
# status fails only when legitimate traffic was dropped.
bench: $(BENCH_BIN) $(MKFLOWS) all
	$(BENCH_BIN) $(BENCH_ARGS)
	bash tests/bench/list_stall.sh

# Instructions per packet of a fixed workload: only the timed loop (feed_timed) is collected.
CALLGRIND_OUT := $(BUILD)/callgrind.out
bench-callgrind: $(BENCH_BIN)
	valgrind --tool=callgrind --toggle-collect='feed_timed*' --callgrind-out-file=$(CALLGRIND_OUT) \
		$(BENCH_BIN) --callgrind > $(CALLGRIND_OUT).txt; rc=$$?; cat $(CALLGRIND_OUT).txt; \
		[ $$rc = 0 ] || exit $$rc
	callgrind_annotate --inclusive=no $(CALLGRIND_OUT) | head -n 40
	@awk '/^callgrind packets:/ { n = $$3 } /^(summary|totals):/ { ir = $$2 } \
		END { if (n) printf "bench-callgrind: %.0f Ir/packet (%d Ir, %d packets)\n", ir / n, ir, n }' \
		$(CALLGRIND_OUT).txt $(CALLGRIND_OUT)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
